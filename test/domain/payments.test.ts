/** The pure billing rules: ledger, balance due, which transactions, edits, closes and device commands are allowed. */
import assert from 'node:assert/strict';
import { formatMoney, MAX_AMOUNT_CENTS } from '../../src/domain/money';
import { checkAction, commandType, type ActionContext } from '../../src/domain/orders/actions';
import { billLines, billTotal, MAX_ADJUSTMENTS, priceEdit, type BillState, type LineChange } from '../../src/domain/orders/bill';
import { checkSequence, type CommandLogEntry } from '../../src/domain/orders/device-commands';
import { findRemembered, MAX_REMEMBERED_ACTIONS } from '../../src/domain/orders/idempotent-actions';
import {
  balanceDue,
  checkClose,
  checkLedgerBounds,
  checkTransaction,
  compensatingRefunds,
  findRepeat,
  ledgerOf,
  MAX_DETAILS_CHARS,
  MAX_TRANSACTIONS,
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

  it('bounds each transaction: positive whole cents up to the maximum, small details, at most MAX_TRANSACTIONS per order', () => {
    const payment = (over: object = {}) => ({ kind: 'payment' as const, id: 'n', method: 'cash' as const, amount: 100, ...over });
    const codeOf = (verdict: ReturnType<typeof checkLedgerBounds>) => (verdict.ok ? 'ok' : verdict.code);
    assert.equal(codeOf(checkLedgerBounds([], payment())), 'ok');
    for (const amount of [0, -1, 1.5, MAX_AMOUNT_CENTS + 1, 2 ** 53, Number.NaN]) assert.equal(codeOf(checkLedgerBounds([], payment({ amount }))), 'invalid_amount', String(amount));
    assert.equal(codeOf(checkLedgerBounds([], payment({ amount: MAX_AMOUNT_CENTS }))), 'ok');
    assert.equal(codeOf(checkLedgerBounds([], payment({ details: { note: 'x'.repeat(MAX_DETAILS_CHARS) } }))), 'invalid_details');
    assert.equal(codeOf(checkLedgerBounds([], payment({ details: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])) }))), 'invalid_details');
    assert.equal(codeOf(checkLedgerBounds([], payment({ details: { terminal: 'T-1', last4: '4242' } }))), 'ok');
    const full = Array.from({ length: MAX_TRANSACTIONS }, (_, i) => pay(`p${i}`, 1));
    assert.equal(codeOf(checkLedgerBounds(full.slice(1), payment())), 'ok');
    assert.equal(codeOf(checkLedgerBounds(full, payment())), 'too_many_transactions');
    assert.equal(codeOf(checkLedgerBounds(full, { kind: 'refund', id: 'r', refundOf: 'p0', amount: 1 })), 'too_many_transactions');
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
  /** A 25.00 bill with nothing paid and no edits yet. */
  const open: BillState = { total: 2500, paid: 0, adjustments: 0 };
  const code = (verdict: ReturnType<typeof priceEdit>) => (verdict.ok ? 'ok' : verdict.code);
  const change = (over: Partial<LineChange>): LineChange => ({ provider: 'pizza', sku: 'margherita', quantity: 1, ...over });

  it('prices additions and removals; a new line needs a price; removals cannot exceed the bill', () => {
    const added = priceEdit(quoted, [change({}), change({ sku: 'cola', quantity: 2, unitPrice: 300 })], open);
    assert.ok(added.ok);
    assert.deepEqual(added.adjustments.map((a) => a.amount), [1250, 600]);
    const removed = priceEdit(quoted, [change({ quantity: -2 })], open);
    assert.deepEqual(removed.ok && removed.adjustments.map((a) => a.amount), [-2500]);
    const checks: [LineChange[], string][] = [
      [[], 'empty_edit'],
      [[change({ sku: 'cola' })], 'price_required'],
      [[change({ quantity: -3 })], 'not_on_bill'],
      [[change({ sku: 'cola', quantity: -1, unitPrice: 300 })], 'not_on_bill'],
      [[change({ quantity: 0 })], 'invalid_edit'],
      [[change({ quantity: 1.5 })], 'invalid_edit'],
      [[change({ quantity: 10_001 })], 'invalid_edit'],
    ];
    for (const [changes, expected] of checks) assert.equal(code(priceEdit(quoted, changes, open)), expected, JSON.stringify(changes));
    // Within one edit, a later change sees the earlier ones.
    assert.ok(priceEdit(quoted, [change({ sku: 'cola', unitPrice: 300 }), change({ sku: 'cola', quantity: -1 })], open).ok);
  });

  it('matches a line by its unit price: a removal at another price is refused, however often it is sent', () => {
    // The audit's proof: removing one margherita "at 999.00" used to add a -999.00 line (total -974.00).
    const atOtherPrice = priceEdit(quoted, [change({ quantity: -1, unitPrice: 99_900 })], open);
    assert.deepEqual(atOtherPrice.ok ? 'ok' : [atOtherPrice.code, atOtherPrice.reason], ['price_mismatch', 'margherita is on the bill at 12.50, not at 999.00']);
    assert.equal(code(priceEdit(quoted, [change({ quantity: -1, unitPrice: 1250 })], open)), 'ok', 'at its own price it is removed');
    // Two removals in one edit are checked against the line's net quantity.
    assert.equal(code(priceEdit(quoted, [change({ quantity: -2 }), change({ quantity: -1 })], open)), 'not_on_bill');
    // The same sku at another price is its own line; a removal without a price is then ambiguous.
    const twoPrices = [...quoted, { provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: 1000 }];
    assert.equal(code(priceEdit(twoPrices, [change({ quantity: -1 })], open)), 'price_required');
    assert.equal(code(priceEdit(twoPrices, [change({ quantity: 1 })], open)), 'price_required');
    const fromCheaper = priceEdit(twoPrices, [change({ quantity: -1, unitPrice: 1000 })], { ...open, total: 3500 });
    assert.deepEqual(fromCheaper.ok && fromCheaper.adjustments.map((a) => [a.unitPrice, a.amount]), [[1000, -1000]]);
    assert.equal(code(priceEdit(twoPrices, [change({ quantity: -2, unitPrice: 1000 })], { ...open, total: 3500 })), 'not_on_bill', 'the net quantity of that line');
    // Another provider's line of the same sku is another line.
    assert.equal(code(priceEdit(quoted, [change({ provider: 'sushi', quantity: -1 })], open)), 'not_on_bill');
  });

  it('never brings the total below what has been paid (captured − refunded)', () => {
    const below = priceEdit(quoted, [change({ quantity: -1 })], { ...open, paid: 1500 });
    assert.deepEqual(below.ok ? 'ok' : [below.code, below.details], ['below_paid', { total: '12.50', paid: '15.00' }]);
    assert.equal(code(priceEdit(quoted, [change({ quantity: -1 })], { ...open, paid: 1250 })), 'ok', 'down to exactly what is paid');
    assert.equal(code(priceEdit(quoted, [change({ quantity: -2 }), change({ sku: 'cola', quantity: 5, unitPrice: 300 })], { ...open, paid: 1500 })), 'ok', 'the total the whole edit leaves counts');
    // Through checkAction, "paid" is net of refunds: 15.00 captured, 5.00 refunded.
    const context = { status: 'DISPATCHED' as const, gateRequired: false, gateOpen: false, subOrders: [], total: 2500, lines: quoted, adjustments: 0 };
    const removeOne = { type: 'editItems' as const, changes: [change({ quantity: -1 })] };
    const staff = { role: 'operator' as const, id: 'o' };
    assert.equal(checkAction({ ...context, transactions: [pay('a', 1500)] }, removeOne, staff).ok, false);
    assert.equal(checkAction({ ...context, transactions: [pay('a', 1500), refund('r', 'a', 500)] }, removeOne, staff).ok, true);
  });

  it('bounds every unit price, line and total by MAX_AMOUNT_CENTS, so no sum can overflow', () => {
    const max = formatMoney(MAX_AMOUNT_CENTS);
    assert.equal(max, '1000000000.00');
    // The audit's probe: 2 × 90 × 999 999 999 999.99 passes 2^53.
    const probe = [change({ sku: 'a', quantity: 90, unitPrice: 99_999_999_999_999 }), change({ sku: 'b', quantity: 90, unitPrice: 99_999_999_999_999 })];
    assert.equal(code(priceEdit(quoted, probe, open)), 'invalid_edit', 'a unit price above the maximum');
    const line = priceEdit(quoted, [change({ sku: 'gold', quantity: 2, unitPrice: MAX_AMOUNT_CENTS })], open);
    assert.deepEqual(line.ok ? 'ok' : [line.code, line.details], ['amount_too_large', { max }]);
    const total = priceEdit(quoted, [change({ sku: 'gold', unitPrice: MAX_AMOUNT_CENTS })], open);
    assert.equal(code(total), 'amount_too_large', 'the line fits, the total (+25.00) does not');
    assert.equal(code(priceEdit([], [change({ sku: 'gold', unitPrice: MAX_AMOUNT_CENTS })], { ...open, total: 0 })), 'ok', 'exactly the maximum');
    for (const unitPrice of [-1, 1.5, Number.NaN, 2 ** 53]) {
      assert.equal(code(priceEdit(quoted, [change({ sku: 'x', unitPrice })], open)), 'invalid_edit', String(unitPrice));
    }
    assert.equal(code(priceEdit(quoted, [change({ sku: 'free', unitPrice: 0 })], open)), 'ok', 'a free line is fine');
  });

  it('keeps at most MAX_ADJUSTMENTS adjusted lines per order', () => {
    assert.equal(code(priceEdit(quoted, [change({})], { ...open, adjustments: MAX_ADJUSTMENTS - 1 })), 'ok');
    assert.equal(code(priceEdit(quoted, [change({})], { ...open, adjustments: MAX_ADJUSTMENTS })), 'too_many_edits');
    assert.equal(code(priceEdit(quoted, [change({}), change({})], { ...open, adjustments: MAX_ADJUSTMENTS - 1 })), 'too_many_edits');
  });

  it('replays orders recorded before the bounds with the rules they were recorded with', () => {
    const legacy = priceEdit(quoted, [change({ quantity: -1, unitPrice: 99_900 })]);
    assert.deepEqual(legacy.ok && legacy.adjustments.map((a) => a.amount), [-99_900]);
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

  it('tells a repeat from a different command sent under the same id by its fingerprint', () => {
    const printed = [{ ...entry('c1', 1), fingerprint: 'f1' }];
    assert.equal(checkSequence(1, printed, { deviceId: 'd', commandId: 'c1', seq: 1, fingerprint: 'f1' }).kind, 'repeat');
    const other = checkSequence(1, printed, { deviceId: 'd', commandId: 'c1', seq: 1, fingerprint: 'f2' });
    assert.deepEqual(other.kind === 'refused' && other.code, 'idempotency_conflict');
    assert.equal(checkSequence(2, log, { deviceId: 'd', commandId: 'c1', seq: 1, fingerprint: 'f2' }).kind, 'repeat', 'entries logged before fingerprints match');
  });
});

describe('the billing state an order carries across continue-as-new', () => {
  it('stays well below Temporal\'s 2 MB payload limit at every cap, filled with the largest values allowed', () => {
    const max = (n: number) => 'x'.repeat(n);
    const tx = (i: number): Transaction => ({
      id: `${max(120)}${i}`, kind: 'payment', method: 'gift_card', amount: MAX_AMOUNT_CENTS, status: 'CAPTURED',
      details: { note: max(MAX_DETAILS_CHARS - 12) }, balanceDueAfter: MAX_AMOUNT_CENTS, actor: `device:${max(60)}`, at,
    });
    const state = {
      transactions: Array.from({ length: MAX_TRANSACTIONS }, (_, i) => tx(i)),
      adjustments: Array.from({ length: MAX_ADJUSTMENTS }, (_, i) => ({ provider: max(63), sku: `${max(100)}${i}`, quantity: 10_000, unitPrice: 10_000_000, amount: MAX_AMOUNT_CENTS, actor: `device:${max(60)}`, at })),
      // MAX_REMEMBERED_COMMANDS (200) in the workflow; each result may carry a transaction.
      commands: Array.from({ length: 200 }, (_, i) => ({ deviceId: max(60), commandId: max(128), seq: i, fingerprint: max(64), type: 'pay', outcome: 'applied', result: { status: 'DISPATCHED', balanceDue: 1, transaction: tx(i), fingerprint: max(64) }, at })),
      idempotentActions: Array.from({ length: MAX_REMEMBERED_ACTIONS }, () => ({ key: max(200), fingerprint: max(64), result: { status: 'DISPATCHED', balanceDue: 1, fingerprint: max(64) } })),
    };
    // Half of the 2 MB limit leaves room for the rest of the state (sub-orders, history not yet written).
    const kib = JSON.stringify(state).length / 1024;
    assert.ok(kib < 1024, `${kib.toFixed(0)} KiB`);
  });
});

describe('idempotent actions (Idempotency-Key)', () => {
  it('answers a repeat of the same request with the first result, and the same key for another request is a conflict', () => {
    const remembered = [{ key: 'k1', fingerprint: 'edit-a', result: { status: 'DISPATCHED', balanceDue: 2800 } }];
    assert.deepEqual(findRemembered(remembered, { key: 'k2', fingerprint: 'edit-a' }), { kind: 'new' });
    assert.deepEqual(findRemembered(remembered, { key: 'k1', fingerprint: 'edit-a' }), { kind: 'repeat', result: remembered[0]!.result });
    assert.equal(findRemembered(remembered, { key: 'k1', fingerprint: 'close' }).kind, 'conflict');
  });
});

describe('billing actions on an order', () => {
  const order = (over: Partial<ActionContext> = {}): ActionContext => ({
    status: 'DISPATCHED', gateRequired: false, gateOpen: false, subOrders: [],
    total: 1000, lines: [{ provider: 'pizza', sku: 'm', quantity: 1, unitPrice: 1000 }], adjustments: 0, transactions: [], ...over,
  });
  const device = { role: 'device' as const, id: 'd' };

  it('allows paying, editing and closing while open, by staff (devices and operators)', () => {
    const operator = { role: 'operator' as const, id: 'o' };
    assert.deepEqual(checkAction(order(), { type: 'pay', payment: { kind: 'payment', id: 'a', method: 'cash', amount: 1000 } }, device), { ok: true });
    assert.deepEqual(checkAction(order(), { type: 'editItems', changes: [{ provider: 'pizza', sku: 'm', quantity: 1 }] }, operator), { ok: true });
    assert.deepEqual(checkAction(order({ transactions: [pay('a', 1000)] }), { type: 'close' }, device), { ok: true });
    assert.deepEqual(checkAction(order(), { type: 'cancel', reason: 'deleted' }, device), { ok: true });
  });

  it('never lets a customer record money, refund, set prices or close — not even the repeat of a transaction', () => {
    const customer = { role: 'customer' as const, id: 'c' };
    const paid = order({ transactions: [pay('a', 1000)] });
    const actions = [
      { type: 'pay' as const, payment: { kind: 'payment' as const, id: 'a', method: 'cash' as const, amount: 1000 } },
      { type: 'pay' as const, payment: { kind: 'payment' as const, id: 'b', method: 'cash' as const, amount: 1 } },
      { type: 'refund' as const, refund: { kind: 'refund' as const, id: 'r', refundOf: 'a', amount: 1000 } },
      { type: 'editItems' as const, changes: [{ provider: 'pizza', sku: 'm', quantity: -1 }] },
      { type: 'close' as const },
    ];
    for (const action of actions) {
      const verdict = checkAction(paid, action, customer);
      assert.equal(verdict.ok ? 'ok' : verdict.code, 'forbidden', action.type);
    }
    assert.deepEqual(checkAction(order(), { type: 'cancel', reason: 'changed my mind' }, customer), { ok: true }, 'a customer may still cancel');
    assert.deepEqual(checkAction(paid, actions[1]!, customer), { ok: false, code: 'forbidden', reason: 'only staff (operators and devices) may pay' });
    assert.deepEqual(checkAction({ ...paid, legacyRules: true }, actions[4]!, customer), { ok: true }, 'replayed histories keep their old rules');
  });

  it('rejects an invalid device command as validation_failed, logged under the type the device gave it', () => {
    const action = { type: 'invalid' as const, command: 'pay', reason: 'invalid pay command', fields: [{ path: 'payment.amount', message: 'a positive amount' }] };
    assert.deepEqual(checkAction(order(), action, device), { ok: false, code: 'validation_failed', reason: 'invalid pay command', details: { fields: action.fields } });
    assert.equal(commandType(action), 'pay');
    assert.equal(commandType({ type: 'close' }), 'close');
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
