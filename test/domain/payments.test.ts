/** The pure billing rules: ledger, balance due, which transactions, edits, closes and device commands are allowed. */
import assert from 'node:assert/strict';
import { checkAction, type ActionContext } from '../../src/domain/orders/actions';
import { billLines, billTotal, priceEdit } from '../../src/domain/orders/bill';
import { checkSequence, type CommandLogEntry } from '../../src/domain/orders/device-commands';
import {
  balanceDue,
  checkClose,
  checkTransaction,
  compensatingRefunds,
  findRepeat,
  ledgerOf,
  refundableOf,
  type Transaction,
} from '../../src/domain/payments';

const at = '2026-01-01T00:00:00.000Z';
const pay = (id: string, amount: number, method: Transaction['method'] = 'cash'): Transaction => ({
  id, kind: 'payment', method, amount, status: 'CAPTURED', balanceDueAfter: 0, actor: 'device:d', at,
});
const refund = (id: string, refundOf: string, amount: number): Transaction => ({
  id, kind: 'refund', method: 'cash', amount, status: 'REFUNDED', refundOf, balanceDueAfter: 0, actor: 'device:d', at,
});

describe('payments rules', () => {
  it('derives the balance due as total − captured + refunded, in cents', () => {
    const txs = [pay('a', 1000), pay('b', 250, 'card'), refund('r', 'a', 100)];
    assert.deepEqual(ledgerOf(txs), { captured: 1250, refunded: 100 });
    assert.equal(balanceDue(2000, txs), 850);
    assert.equal(balanceDue(2000, []), 2000);
    assert.equal(balanceDue(1000, [pay('a', 1000)]), 0);
    assert.equal(balanceDue(900, [pay('a', 1000)]), -100, 'an edit that lowers the total leaves money owed back');
  });

  it('accepts payments up to the balance due, never more, and only positive whole cents', () => {
    const txs = [pay('a', 600)];
    assert.deepEqual(checkTransaction(1000, txs, { kind: 'payment', id: 'b', method: 'card', amount: 400 }), { ok: true });
    const over = checkTransaction(1000, txs, { kind: 'payment', id: 'b', method: 'card', amount: 401 });
    assert.deepEqual(over.ok ? undefined : [over.code, over.details], ['overpayment', { balanceDue: '4.00' }]);
    for (const amount of [0, -1, 1.5]) {
      const bad = checkTransaction(1000, [], { kind: 'payment', id: 'x', method: 'cash', amount });
      assert.equal(bad.ok ? undefined : bad.code, 'invalid_amount', String(amount));
    }
  });

  it('refunds only a known payment, up to what is left of it', () => {
    const txs = [pay('a', 600), refund('r1', 'a', 200)];
    assert.equal(refundableOf(txs, 'a'), 400);
    assert.equal(refundableOf(txs, 'nope'), 0);
    assert.deepEqual(checkTransaction(1000, txs, { kind: 'refund', id: 'r2', refundOf: 'a', amount: 400 }), { ok: true });
    const tooMuch = checkTransaction(1000, txs, { kind: 'refund', id: 'r2', refundOf: 'a', amount: 401 });
    assert.equal(tooMuch.ok ? undefined : tooMuch.code, 'refund_exceeds_payment');
    const unknown = checkTransaction(1000, txs, { kind: 'refund', id: 'r2', refundOf: 'r1', amount: 1 });
    assert.equal(unknown.ok ? undefined : unknown.code, 'unknown_payment', 'a refund is not a payment');
  });

  it('closes only at a zero balance: payment_due (with the amount) when underpaid, overpaid when owed back', () => {
    assert.deepEqual(checkClose(1000, [pay('a', 1000)]), { ok: true });
    assert.deepEqual(checkClose(0, []), { ok: true });
    const due = checkClose(1000, [pay('a', 250)]);
    assert.deepEqual(due.ok ? undefined : [due.code, due.details], ['payment_due', { balanceDue: '7.50' }]);
    const over = checkClose(900, [pay('a', 1000)]);
    assert.equal(over.ok ? undefined : over.code, 'overpaid');
  });

  it('recognises a repeated transaction id: same request → the original, different → conflict', () => {
    const txs = [pay('a', 600, 'card'), refund('r', 'a', 100)];
    assert.deepEqual(findRepeat(txs, { kind: 'payment', id: 'new', method: 'card', amount: 600 }), { kind: 'new' });
    assert.equal(findRepeat(txs, { kind: 'payment', id: 'a', method: 'card', amount: 600 }).kind, 'repeat');
    assert.equal(findRepeat(txs, { kind: 'payment', id: 'a', method: 'cash', amount: 600 }).kind, 'conflict');
    assert.equal(findRepeat(txs, { kind: 'payment', id: 'a', method: 'card', amount: 601 }).kind, 'conflict');
    assert.equal(findRepeat(txs, { kind: 'refund', id: 'a', refundOf: 'a', amount: 600 }).kind, 'conflict');
    assert.equal(findRepeat(txs, { kind: 'refund', id: 'r', refundOf: 'a', amount: 100 }).kind, 'repeat');
  });

  it('compensates by refunding what is left of every payment, once', () => {
    const txs = [pay('a', 600), pay('b', 400, 'card'), refund('r', 'a', 100)];
    const refunds = compensatingRefunds(txs);
    assert.deepEqual(refunds, [
      { id: 'compensation:a', refundOf: 'a', amount: 500 },
      { id: 'compensation:b', refundOf: 'b', amount: 400 },
    ]);
    const done = [...txs, refund('compensation:a', 'a', 500), refund('compensation:b', 'b', 400)];
    assert.deepEqual(compensatingRefunds(done), []);
    assert.deepEqual(compensatingRefunds([]), []);
  });
});

describe('bill edits', () => {
  const quoted = [{ provider: 'pizza', sku: 'margherita', quantity: 2, unitPrice: 1250 }];

  it('prices additions and removals; a new line needs a price; removals cannot exceed the bill', () => {
    const added = priceEdit(quoted, [{ provider: 'pizza', sku: 'margherita', quantity: 1 }, { provider: 'pizza', sku: 'cola', quantity: 2, unitPrice: 300 }]);
    assert.ok(added.ok);
    assert.deepEqual(added.adjustments.map((a) => a.amount), [1250, 600]);
    const removed = priceEdit(quoted, [{ provider: 'pizza', sku: 'margherita', quantity: -2 }]);
    assert.deepEqual(removed.ok && removed.adjustments.map((a) => a.amount), [-2500]);
    const checks: [Parameters<typeof priceEdit>[1], string][] = [
      [[], 'empty_edit'],
      [[{ provider: 'pizza', sku: 'cola', quantity: 1 }], 'price_required'],
      [[{ provider: 'pizza', sku: 'margherita', quantity: -3 }], 'not_on_bill'],
      [[{ provider: 'pizza', sku: 'cola', quantity: -1, unitPrice: 300 }], 'not_on_bill'],
      [[{ provider: 'pizza', sku: 'margherita', quantity: 0 }], 'invalid_edit'],
      [[{ provider: 'pizza', sku: 'margherita', quantity: 1.5 }], 'invalid_edit'],
    ];
    for (const [changes, code] of checks) {
      const verdict = priceEdit(quoted, changes);
      assert.equal(verdict.ok ? 'ok' : verdict.code, code, JSON.stringify(changes));
    }
    // Within one edit, a later change sees the earlier ones.
    assert.ok(priceEdit(quoted, [{ provider: 'pizza', sku: 'cola', quantity: 1, unitPrice: 300 }, { provider: 'pizza', sku: 'cola', quantity: -1 }]).ok);
  });

  it('folds adjustments into the lines and the total', () => {
    const adjustments = [
      { provider: 'pizza', sku: 'margherita', quantity: -1, unitPrice: 1250, amount: -1250 },
      { provider: 'pizza', sku: 'cola', quantity: 2, unitPrice: 300, amount: 600 },
    ];
    assert.deepEqual(billLines(quoted, adjustments), [
      { provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: 1250 },
      { provider: 'pizza', sku: 'cola', quantity: 2, unitPrice: 300 },
    ]);
    assert.equal(billTotal(2500, adjustments), 1850);
    assert.deepEqual(billLines(quoted, [{ ...adjustments[0]!, quantity: -2 }]), [], 'lines at zero disappear');
  });
});

describe('device command sequencing', () => {
  const entry = (commandId: string, seq: number): CommandLogEntry => ({ deviceId: 'd', commandId, seq, type: 'pay', outcome: 'applied', result: { n: seq }, at });
  const log = [entry('c1', 1), entry('c2', 2)];

  it('takes the next number, repeats a taken command, refuses gaps and reused numbers', () => {
    assert.deepEqual(checkSequence(2, log, { deviceId: 'd', commandId: 'c3', seq: 3 }), { kind: 'next' });
    assert.deepEqual(checkSequence(2, log, { deviceId: 'd', commandId: 'c2', seq: 2 }), { kind: 'repeat', entry: log[1] });
    const gap = checkSequence(2, log, { deviceId: 'd', commandId: 'c5', seq: 5 });
    assert.deepEqual(gap.kind === 'refused' && [gap.code, gap.expectedSeq], ['out_of_order', 3]);
    const reused = checkSequence(2, log, { deviceId: 'd', commandId: 'other', seq: 2 });
    assert.deepEqual(reused.kind === 'refused' && reused.code, 'sequence_conflict');
    const moved = checkSequence(2, log, { deviceId: 'd', commandId: 'c1', seq: 3 });
    assert.deepEqual(moved.kind === 'refused' && moved.code, 'sequence_conflict');
    assert.deepEqual(checkSequence(0, log, { deviceId: 'other-device', commandId: 'c1', seq: 1 }), { kind: 'next' }, 'each device has its own numbers');
  });
});

describe('billing actions on an order', () => {
  const order = (over: Partial<ActionContext> = {}): ActionContext => ({
    status: 'DISPATCHED', gateRequired: false, gateOpen: false, subOrders: [],
    total: 1000, lines: [{ provider: 'pizza', sku: 'm', quantity: 1, unitPrice: 1000 }], transactions: [], ...over,
  });
  const device = { role: 'device' as const, id: 'd' };

  it('allows paying, editing and closing while open, by devices and customers alike', () => {
    assert.deepEqual(checkAction(order(), { type: 'pay', payment: { kind: 'payment', id: 'a', method: 'cash', amount: 1000 } }, device), { ok: true });
    assert.deepEqual(checkAction(order(), { type: 'editItems', changes: [{ provider: 'pizza', sku: 'm', quantity: 1 }] }, { role: 'customer', id: 'c' }), { ok: true });
    assert.deepEqual(checkAction(order({ transactions: [pay('a', 1000)] }), { type: 'close' }, device), { ok: true });
    assert.deepEqual(checkAction(order(), { type: 'cancel', reason: 'deleted' }, device), { ok: true });
  });

  it('refuses everything on a final order except the repeat of a recorded transaction', () => {
    for (const status of ['COMPLETED', 'CANCELLED', 'FAILED'] as const) {
      const closed = order({ status, transactions: [pay('a', 500)] });
      for (const action of [
        { type: 'pay' as const, payment: { kind: 'payment' as const, id: 'b', method: 'cash' as const, amount: 100 } },
        { type: 'editItems' as const, changes: [{ provider: 'pizza', sku: 'm', quantity: 1 }] },
        { type: 'close' as const },
      ]) {
        const verdict = checkAction(closed, action, device);
        assert.equal(verdict.ok ? 'ok' : verdict.code, 'order_closed', `${status} ${action.type}`);
      }
      assert.deepEqual(checkAction(closed, { type: 'pay', payment: { kind: 'payment', id: 'a', method: 'cash', amount: 500 } }, device), { ok: true });
      const conflict = checkAction(closed, { type: 'pay', payment: { kind: 'payment', id: 'a', method: 'card', amount: 500 } }, device);
      assert.equal(conflict.ok ? 'ok' : conflict.code, 'idempotency_conflict');
    }
  });

  it('passes the close and edit rules through', () => {
    const due = checkAction(order({ transactions: [pay('a', 400)] }), { type: 'close' }, device);
    assert.equal(due.ok ? 'ok' : due.code, 'payment_due');
    const edit = checkAction(order(), { type: 'editItems', changes: [{ provider: 'pizza', sku: 'x', quantity: 1 }] }, device);
    assert.equal(edit.ok ? 'ok' : edit.code, 'price_required');
  });
});
