/**
 * The operators' work queue: which orders need a human, in what order they are
 * handed out, how many one operator may hold, and how long a hold lasts.
 * Pure rules; the Postgres transaction in src/api/ops/queue-store.ts implements
 * exactly these (it asks `queueCutoffs` for its WHERE clause and `mayTakeAnother`
 * for the cap), and test/domain/queue.test.ts exercises them exhaustively.
 */
import { ACTIVE_STATUSES, DEFAULT_STUCK_THRESHOLDS, isActiveStatus, type ActiveStatus, type StuckThresholds } from '../orders/stuck';

export interface QueuePolicy {
  /** Items one operator may hold at once: a fast operator cannot take everything. */
  maxInFlight: number;
  /** An assignment not renewed for this long goes back to the queue. */
  leaseMs: number;
  /** An order awaiting the customer's confirmation this long needs a human to chase it. */
  awaitingConfirmationMs: number;
  /** After an operator marked an order done, it comes back only if it changes, or after this long. */
  requeueAfterDoneMs: number;
  stuck: StuckThresholds;
}

export const DEFAULT_QUEUE_POLICY: QueuePolicy = {
  maxInFlight: 3,
  leaseMs: 5 * 60_000,
  awaitingConfirmationMs: 10 * 60_000,
  requeueAfterDoneMs: 10 * 60_000,
  stuck: DEFAULT_STUCK_THRESHOLDS,
};

export const QUEUE_REASONS = ['action_required', 'awaiting_confirmation', 'stuck'] as const;
export type QueueReason = (typeof QUEUE_REASONS)[number];

export interface QueueCandidate {
  status: string;
  updatedAt: Date;
  number: number;
  /** When an operator last marked this order done, if ever. */
  lastDoneAt?: Date | null | undefined;
  /** Whether someone holds a live assignment on it. */
  assigned: boolean;
}

/** How long an order must sit in `status` (unchanged) before it enters the queue. */
export function queueDelayMs(status: ActiveStatus, policy: QueuePolicy): number {
  if (status === 'ACTION_REQUIRED') return 0;
  if (status === 'AWAITING_CONFIRMATION') return Math.min(policy.awaitingConfirmationMs, policy.stuck.AWAITING_CONFIRMATION);
  return policy.stuck[status];
}

/** Why an order needs a human now, or undefined when it does not (final, fresh, or still progressing). */
export function queueReason(order: Pick<QueueCandidate, 'status' | 'updatedAt'>, now: Date, policy: QueuePolicy): QueueReason | undefined {
  if (!isActiveStatus(order.status)) return undefined;
  if (order.updatedAt.getTime() + queueDelayMs(order.status, policy) > now.getTime()) return undefined;
  if (order.status === 'ACTION_REQUIRED') return 'action_required';
  if (order.updatedAt.getTime() + policy.stuck[order.status] <= now.getTime()) return 'stuck';
  return 'awaiting_confirmation';
}

/** Handled recently and unchanged since: the operator's "done" holds it out of the queue for a while. */
export function recentlyHandled(order: Pick<QueueCandidate, 'updatedAt' | 'lastDoneAt'>, now: Date, policy: QueuePolicy): boolean {
  const done = order.lastDoneAt;
  if (!done) return false;
  return order.updatedAt.getTime() <= done.getTime() && now.getTime() - done.getTime() < policy.requeueAfterDoneMs;
}

export function isEligible(order: QueueCandidate, now: Date, policy: QueuePolicy): boolean {
  return !order.assigned && queueReason(order, now, policy) !== undefined && !recentlyHandled(order, now, policy);
}

/** Oldest first: the order unchanged the longest, then the lower order number. */
export function compareQueueItems(a: Pick<QueueCandidate, 'updatedAt' | 'number'>, b: Pick<QueueCandidate, 'updatedAt' | 'number'>): number {
  return a.updatedAt.getTime() - b.updatedAt.getTime() || a.number - b.number;
}

/** The item `next` hands out, by the rules above; undefined when the queue is empty. */
export function nextItem<C extends QueueCandidate>(candidates: readonly C[], now: Date, policy: QueuePolicy): C | undefined {
  return candidates.filter((c) => isEligible(c, now, policy)).sort(compareQueueItems)[0];
}

/** The eligibility rule as per-status cutoffs for SQL: eligible iff `updated_at <= cutoff` for its status. */
export function queueCutoffs(now: Date, policy: QueuePolicy): { status: ActiveStatus; updatedBefore: Date }[] {
  return ACTIVE_STATUSES.map((status) => ({ status, updatedBefore: new Date(now.getTime() - queueDelayMs(status, policy)) }));
}

export function mayTakeAnother(heldByOperator: number, policy: QueuePolicy): boolean {
  return heldByOperator < policy.maxInFlight;
}

// ── assignments ────────────────────────────────────────────────────────────────────────

export const ASSIGNMENT_STATES = ['active', 'done', 'released', 'expired'] as const;
export type AssignmentState = (typeof ASSIGNMENT_STATES)[number];

export interface AssignmentView {
  operator: string;
  state: AssignmentState;
  leaseUntil: Date;
}

export function leaseUntil(now: Date, policy: QueuePolicy): Date {
  return new Date(now.getTime() + policy.leaseMs);
}

/** A lease counts while it is active and not past its end; a lapsed one is treated as expired everywhere. */
export function isLive(assignment: Pick<AssignmentView, 'state' | 'leaseUntil'>, now: Date): boolean {
  return assignment.state === 'active' && assignment.leaseUntil.getTime() > now.getTime();
}

export type AssignmentVerdict = { ok: true } | { ok: false; status: 403 | 409; code: string; reason: string };

/** Whether `operator` may renew, release or finish this assignment now. */
export function checkHolder(assignment: AssignmentView, operator: string, now: Date): AssignmentVerdict {
  if (assignment.operator !== operator) return { ok: false, status: 403, code: 'not_your_assignment', reason: `assigned to ${assignment.operator}` };
  if (assignment.state !== 'active') return { ok: false, status: 409, code: 'assignment_closed', reason: `the assignment is already ${assignment.state}` };
  if (!isLive(assignment, now)) return { ok: false, status: 409, code: 'lease_expired', reason: 'the lease ran out; the item went back to the queue' };
  return { ok: true };
}
