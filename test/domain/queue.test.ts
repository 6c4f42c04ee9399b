/** The work-queue and stuck rules (pure): every status, every boundary. */
import assert from 'node:assert/strict';
import {
  checkHolder,
  compareQueueItems,
  DEFAULT_QUEUE_POLICY,
  isEligible,
  isLive,
  leaseUntil,
  mayTakeAnother,
  nextItem,
  queueCutoffs,
  queueDelayMs,
  queueReason,
  recentlyHandled,
  type QueueCandidate,
  type QueuePolicy,
} from '../../src/domain/ops/queue';
import { FINAL_STATUSES, ORDER_STATUSES } from '../../src/domain/orders/status';
import {
  ACTIVE_STATUSES,
  DEFAULT_STUCK_THRESHOLDS,
  isStuck,
  parseStuckThresholds,
  stuckAt,
  stuckCutoffs,
} from '../../src/domain/orders/stuck';

const NOW = new Date('2026-11-22T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const MIN = 60_000;
const policy: QueuePolicy = {
  maxInFlight: 2,
  leaseMs: 5 * MIN,
  awaitingConfirmationMs: 10 * MIN,
  requeueAfterDoneMs: 10 * MIN,
  stuck: { ...DEFAULT_STUCK_THRESHOLDS, DISPATCHED: 15 * MIN, AWAITING_CONFIRMATION: 60 * MIN },
};
const candidate = (over: Partial<QueueCandidate>): QueueCandidate => ({ status: 'DISPATCHED', updatedAt: NOW, number: 1, assigned: false, ...over });

describe('stuck rule (src/domain/orders/stuck.ts)', () => {
  it('covers exactly the non-final statuses', () => {
    assert.deepEqual([...ACTIVE_STATUSES].sort(), ORDER_STATUSES.filter((s) => !FINAL_STATUSES.includes(s)).sort());
    assert.deepEqual(Object.keys(DEFAULT_STUCK_THRESHOLDS).sort(), [...ACTIVE_STATUSES].sort());
  });

  for (const status of ORDER_STATUSES) {
    const final = FINAL_STATUSES.includes(status);
    it(`${status}: ${final ? 'never stuck' : 'stuck exactly at its threshold, not a millisecond before'}`, () => {
      const threshold = final ? 0 : DEFAULT_STUCK_THRESHOLDS[status as keyof typeof DEFAULT_STUCK_THRESHOLDS];
      assert.equal(isStuck({ status, updatedAt: ago(threshold - 1) }, NOW, DEFAULT_STUCK_THRESHOLDS), false);
      assert.equal(isStuck({ status, updatedAt: ago(threshold) }, NOW, DEFAULT_STUCK_THRESHOLDS), !final);
      assert.equal(isStuck({ status, updatedAt: ago(threshold + 365 * 24 * 60 * MIN) }, NOW, DEFAULT_STUCK_THRESHOLDS), !final);
      assert.equal(stuckAt({ status, updatedAt: NOW }, DEFAULT_STUCK_THRESHOLDS)?.getTime(), final ? undefined : NOW.getTime() + threshold);
    });
  }

  it('is the same rule as its SQL cutoffs', () => {
    for (const { status, updatedBefore } of stuckCutoffs(NOW, DEFAULT_STUCK_THRESHOLDS)) {
      assert.equal(isStuck({ status, updatedAt: updatedBefore }, NOW, DEFAULT_STUCK_THRESHOLDS), true, status);
      assert.equal(isStuck({ status, updatedAt: new Date(updatedBefore.getTime() + 1) }, NOW, DEFAULT_STUCK_THRESHOLDS), false, status);
    }
  });

  it('parses per-status overrides and names a bad entry', () => {
    const parsed = parseStuckThresholds('DISPATCHED:300, IN_PROGRESS:1.5');
    assert.equal(parsed.DISPATCHED, 300_000);
    assert.equal(parsed.IN_PROGRESS, 1_500);
    assert.equal(parsed.RECEIVED, DEFAULT_STUCK_THRESHOLDS.RECEIVED);
    assert.deepEqual(parseStuckThresholds(undefined), DEFAULT_STUCK_THRESHOLDS);
    assert.throws(() => parseStuckThresholds('COMPLETED:10'), /COMPLETED:10/);
    assert.throws(() => parseStuckThresholds('DISPATCHED:-1'), /DISPATCHED:-1/);
    assert.throws(() => parseStuckThresholds('nonsense'), /nonsense/);
  });
});

describe('work-queue rules (src/domain/ops/queue.ts)', () => {
  describe('eligibility', () => {
    it('ACTION_REQUIRED needs a human at once', () => {
      assert.equal(queueDelayMs('ACTION_REQUIRED', policy), 0);
      assert.equal(queueReason({ status: 'ACTION_REQUIRED', updatedAt: NOW }, NOW, policy), 'action_required');
    });

    it('AWAITING_CONFIRMATION enters after awaitingConfirmationMs, and counts as stuck after its stuck threshold', () => {
      assert.equal(queueReason({ status: 'AWAITING_CONFIRMATION', updatedAt: ago(10 * MIN - 1) }, NOW, policy), undefined);
      assert.equal(queueReason({ status: 'AWAITING_CONFIRMATION', updatedAt: ago(10 * MIN) }, NOW, policy), 'awaiting_confirmation');
      assert.equal(queueReason({ status: 'AWAITING_CONFIRMATION', updatedAt: ago(60 * MIN) }, NOW, policy), 'stuck');
      // A stuck threshold shorter than the confirmation wait wins.
      const short = { ...policy, stuck: { ...policy.stuck, AWAITING_CONFIRMATION: MIN } };
      assert.equal(queueDelayMs('AWAITING_CONFIRMATION', short), MIN);
      assert.equal(queueReason({ status: 'AWAITING_CONFIRMATION', updatedAt: ago(MIN) }, NOW, short), 'stuck');
    });

    for (const status of ORDER_STATUSES.filter((s) => s !== 'ACTION_REQUIRED' && s !== 'AWAITING_CONFIRMATION')) {
      const final = FINAL_STATUSES.includes(status);
      it(`${status}: ${final ? 'never queued' : 'queued once stuck'}`, () => {
        const threshold = final ? 0 : policy.stuck[status as keyof typeof policy.stuck];
        assert.equal(queueReason({ status, updatedAt: ago(threshold - 1) }, NOW, policy), undefined);
        assert.equal(queueReason({ status, updatedAt: ago(threshold) }, NOW, policy), final ? undefined : 'stuck');
      });
    }

    it('an order someone holds is not eligible', () => {
      assert.equal(isEligible(candidate({ status: 'ACTION_REQUIRED' }), NOW, policy), true);
      assert.equal(isEligible(candidate({ status: 'ACTION_REQUIRED', assigned: true }), NOW, policy), false);
    });

    it('an order marked done stays out until it changes or requeueAfterDoneMs passes', () => {
      const order = { updatedAt: ago(30 * MIN) };
      assert.equal(recentlyHandled({ ...order, lastDoneAt: null }, NOW, policy), false);
      assert.equal(recentlyHandled({ ...order, lastDoneAt: ago(MIN) }, NOW, policy), true);
      assert.equal(recentlyHandled({ ...order, lastDoneAt: ago(10 * MIN - 1) }, NOW, policy), true);
      assert.equal(recentlyHandled({ ...order, lastDoneAt: ago(10 * MIN) }, NOW, policy), false);
      assert.equal(recentlyHandled({ updatedAt: ago(MIN), lastDoneAt: ago(2 * MIN) }, NOW, policy), false, 'changed since done');
      assert.equal(isEligible(candidate({ status: 'ACTION_REQUIRED', updatedAt: ago(5 * MIN), lastDoneAt: ago(MIN) }), NOW, policy), false);
    });

    it('the SQL cutoffs are the same rule', () => {
      for (const { status, updatedBefore } of queueCutoffs(NOW, policy)) {
        assert.notEqual(queueReason({ status, updatedAt: updatedBefore }, NOW, policy), undefined, status);
        assert.equal(queueReason({ status, updatedAt: new Date(updatedBefore.getTime() + 1) }, NOW, policy), undefined, status);
      }
      assert.deepEqual(queueCutoffs(NOW, policy).map((c) => c.status).sort(), [...ACTIVE_STATUSES].sort());
    });
  });

  describe('ordering: oldest first', () => {
    it('the order unchanged the longest comes first, then the lower number', () => {
      const a = candidate({ status: 'ACTION_REQUIRED', updatedAt: ago(MIN), number: 1 });
      const b = candidate({ status: 'ACTION_REQUIRED', updatedAt: ago(2 * MIN), number: 2 });
      const c = candidate({ status: 'ACTION_REQUIRED', updatedAt: ago(2 * MIN), number: 3 });
      assert.deepEqual([a, c, b].sort(compareQueueItems), [b, c, a]);
      assert.equal(nextItem([a, c, b], NOW, policy), b);
    });

    it('skips what is not eligible; an empty queue gives nothing', () => {
      const held = candidate({ status: 'ACTION_REQUIRED', updatedAt: ago(60 * MIN), assigned: true, number: 1 });
      const fresh = candidate({ status: 'DISPATCHED', updatedAt: ago(MIN), number: 2 });
      const done = candidate({ status: 'COMPLETED', updatedAt: ago(999 * MIN), number: 3 });
      const waiting = candidate({ status: 'DISPATCHED', updatedAt: ago(20 * MIN), number: 4 });
      assert.equal(nextItem([held, fresh, done, waiting], NOW, policy), waiting);
      assert.equal(nextItem([held, fresh, done], NOW, policy), undefined);
      assert.equal(nextItem([], NOW, policy), undefined);
    });
  });

  describe('fairness: the in-flight cap', () => {
    it('an operator may hold up to maxInFlight items', () => {
      assert.deepEqual([0, 1, 2, 3].map((held) => mayTakeAnother(held, policy)), [true, true, false, false]);
      assert.equal(mayTakeAnother(0, { ...policy, maxInFlight: 1 }), true);
      assert.equal(mayTakeAnother(1, { ...policy, maxInFlight: 1 }), false);
      assert.equal(DEFAULT_QUEUE_POLICY.maxInFlight >= 1, true);
    });
  });

  describe('leases', () => {
    const lease = (over: Partial<{ operator: string; state: 'active' | 'done' | 'released' | 'expired'; leaseUntil: Date }> = {}) => ({
      operator: 'alice',
      state: 'active' as const,
      leaseUntil: leaseUntil(ago(MIN), policy),
      ...over,
    });

    it('lasts leaseMs from assignment or renewal, and lapses exactly then', () => {
      assert.equal(leaseUntil(NOW, policy).getTime(), NOW.getTime() + 5 * MIN);
      assert.equal(isLive(lease({ leaseUntil: new Date(NOW.getTime() + 1) }), NOW), true);
      assert.equal(isLive(lease({ leaseUntil: NOW }), NOW), false);
      for (const state of ['done', 'released', 'expired'] as const) assert.equal(isLive(lease({ state }), NOW), false, state);
    });

    it('only the holder of a live lease may renew, release or finish it', () => {
      assert.deepEqual(checkHolder(lease(), 'alice', NOW), { ok: true });
      assert.deepEqual(pick(checkHolder(lease(), 'bob', NOW)), [403, 'not_your_assignment']);
      for (const state of ['done', 'released', 'expired'] as const) assert.deepEqual(pick(checkHolder(lease({ state }), 'alice', NOW)), [409, 'assignment_closed']);
      assert.deepEqual(pick(checkHolder(lease({ leaseUntil: NOW }), 'alice', NOW)), [409, 'lease_expired']);
    });
  });
});

function pick(verdict: ReturnType<typeof checkHolder>) {
  return verdict.ok ? ['ok'] : [verdict.status, verdict.code];
}
