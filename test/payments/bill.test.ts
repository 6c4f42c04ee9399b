/**
 * The bill's rules over REST on a real Temporal server and PostgreSQL: amounts are bounded
 * (an oversized edit is refused and never jams the order's workflow), a removal takes from the
 * line at its price, the total never falls below what was paid, an edit or close sent with an
 * Idempotency-Key is applied once, and a transaction id reused for another amount is a
 * conflict even when both requests arrive at once.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { canonicalJson, sha256 } from '../../src/infra/canonical-json';
import { actUpdate, stateQuery } from '../../src/workflows/orders/messages';
import { testEnv } from '../harness/environment';
import { eventually } from '../harness/http';
import { getOrder, orderBody, submit, waitForStatus } from '../harness/orders';
import { close, editItems, pay, payments, txId } from '../harness/payments';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { recordHistory } from '../harness/replay';
import { startServices, type TestServices } from '../harness/services';

const PIZZA = { provider: 'pizza', sku: 'margherita', quantity: 2, unitPrice: '12.50' }; // 25.00
const COLA = { provider: 'pizza', sku: 'cola', quantity: 1, unitPrice: '3.00' };
const operator = { role: 'operator' as const, id: 'test' };

describe('the bill: bounds, prices, idempotent edits and closes', function () {
  this.timeout(90_000);
  let providers: SimulatedProviders;
  let services: TestServices;
  let api: string;

  before(async () => {
    providers = await startProviders({ pizza: { behavior: { prices: { margherita: 1250 }, stepMs: null } } });
    services = await startServices({ providers: providers.configs, historyEventLimit: 60 });
    api = services.apiUrl;
  });
  after(async () => {
    await services.stop();
    await providers.simulator.stop();
  });

  async function openOrder() {
    const order = await submit(api, orderBody([PIZZA]));
    await waitForStatus(api, order.id, 'DISPATCHED');
    return order;
  }

  /** The order's workflow is not stuck on a failing task (the audit's jam retried it forever). */
  async function assertNotJammed(workflowId: string) {
    const { raw } = await testEnv().client.workflow.getHandle(workflowId).describe();
    const attempt = (raw as { pendingWorkflowTask?: { attempt?: number } }).pendingWorkflowTask?.attempt ?? 1;
    assert.ok(attempt <= 1, `workflow task on attempt ${attempt}`);
  }

  it('refuses edits whose amounts pass the maximum, in the API and in the workflow, and the order goes on', async () => {
    const order = await openOrder();
    // The audit's probe: two lines of 90 × 999 999 999 999.99 (the total passes 2^53).
    const huge = { provider: 'pizza', quantity: 90, unitPrice: '999999999999.99' };
    const probe = await editItems(api, order.id, [{ ...huge, sku: 'a' }, { ...huge, sku: 'b' }]);
    assert.deepEqual([probe.status, probe.body.error.code], [400, 'validation_failed'], JSON.stringify(probe.body));
    // Within the per-amount bound, but the line (and the bill) would pass it.
    const line = await editItems(api, order.id, [{ provider: 'pizza', sku: 'gold', quantity: 2, unitPrice: '1000000000.00' }]);
    assert.deepEqual([line.status, line.body.error.code, line.body.error.details.max], [409, 'amount_too_large', '1000000000.00']);
    const bill = await editItems(api, order.id, [{ provider: 'pizza', sku: 'gold', quantity: 1, unitPrice: '1000000000.00' }]);
    assert.deepEqual([bill.status, bill.body.error.code], [409, 'amount_too_large'], 'with the 25.00 already on it');
    // Straight to the workflow (as from the Temporal CLI), past the API's validation.
    const handle = testEnv().client.workflow.getHandle(order.workflowId);
    const direct = [
      { provider: 'pizza', sku: 'a', quantity: 90, unitPrice: 99_999_999_999_999 },
      { provider: 'pizza', sku: 'b', quantity: 90, unitPrice: 99_999_999_999_999 },
    ];
    await assert.rejects(
      handle.executeUpdate(actUpdate, { args: [{ action: { type: 'editItems', changes: direct }, actor: operator }] }),
      (error: Error & { cause?: { details?: { code?: string }[] } }) => error.cause?.details?.[0]?.code === 'invalid_edit',
    );
    await assertNotJammed(order.workflowId);
    const paid = await pay(api, order.id, 'cash', '5.00');
    assert.deepEqual([paid.status, paid.body.balanceDue], [200, '20.00'], 'the order still takes payments');
    assert.equal((await getOrder(api, order.id)).total, '25.00');
  });

  it('refuses a malformed message sent past the API (Temporal CLI) instead of failing the workflow task forever', async () => {
    const order = await openOrder();
    const handle = testEnv().client.workflow.getHandle(order.workflowId);
    // A device command whose payment is missing: the handler itself throws (a TypeError), which
    // would fail the workflow task, retried forever; the guard refuses the update instead.
    const malformed = { action: { type: 'pay', payment: null }, actor: operator, command: { deviceId: 'cli', commandId: 'c1', seq: 1 } };
    await assert.rejects(
      handle.executeUpdate(actUpdate, { args: [malformed as never] }),
      (error: Error & { cause?: { details?: { code?: string }[] } }) => error.cause?.details?.[0]?.code === 'action_failed',
    );
    const unknown = await handle.executeUpdate(actUpdate, { args: [{ ...malformed, action: { type: 'explode' } } as never] });
    assert.deepEqual([unknown.outcome, unknown.code], ['rejected', 'unknown_action'], 'an unknown action is a rejected command');
    await handle.signal('act', { action: { type: 'pay', payment: null }, actor: operator } as never);
    await assertNotJammed(order.workflowId);
    const paid = await pay(api, order.id, 'cash', '5.00');
    assert.deepEqual([paid.status, paid.body.balanceDue], [200, '20.00'], 'the order goes on');
    const state = await handle.query(stateQuery);
    assert.deepEqual([state.state.transactions.length, state.state.deviceSeq], [1, { cli: 1 }], 'the refused update changed nothing; the unknown action was taken');
  });

  it('removes only at the line\'s own price and never below what was paid', async () => {
    const order = await openOrder();
    const elsewhere = await editItems(api, order.id, [{ provider: 'pizza', sku: 'margherita', quantity: -1, unitPrice: '999.00' }]);
    assert.deepEqual([elsewhere.status, elsewhere.body.error.code], [409, 'price_mismatch'], JSON.stringify(elsewhere.body));
    const tooMany = await editItems(api, order.id, [{ provider: 'pizza', sku: 'margherita', quantity: -1 }, { provider: 'pizza', sku: 'margherita', quantity: -2 }]);
    assert.deepEqual([tooMany.status, tooMany.body.error.code], [409, 'not_on_bill']);
    assert.equal((await pay(api, order.id, 'card', '15.00')).status, 200);
    const below = await editItems(api, order.id, [{ provider: 'pizza', sku: 'margherita', quantity: -1 }]);
    assert.deepEqual([below.status, below.body.error.code, below.body.error.details], [409, 'below_paid', { total: '12.50', paid: '15.00', status: 'DISPATCHED' }]);
    const swap = await editItems(api, order.id, [{ provider: 'pizza', sku: 'margherita', quantity: -1 }, { ...COLA, quantity: 1 }]);
    assert.deepEqual([swap.status, swap.body.balanceDue], [200, '0.50'], 'down to 15.50, above the 15.00 paid');
    const seen = await eventually(async () => {
      const shown = await getOrder(api, order.id);
      return shown.adjustments.length === 2 ? shown : undefined;
    });
    assert.deepEqual([seen.total, seen.billing.balanceDue], ['15.50', '0.50']);
  });

  it('applies an edit sent with an Idempotency-Key once: resends, concurrent ones and continue-as-new get the first answer', async () => {
    const order = await openOrder();
    const key = `edit-${randomUUID()}`;
    const concurrent = await Promise.all(Array.from({ length: 4 }, () => editItems(api, order.id, [COLA], key)));
    assert.deepEqual(concurrent.map((r) => [r.status, r.body.balanceDue]), Array(4).fill([200, '28.00']), JSON.stringify(concurrent.map((r) => r.body)));
    const again = await editItems(api, order.id, [COLA], key);
    assert.deepEqual(again.body, concurrent[0]!.body);
    const other = await editItems(api, order.id, [{ ...COLA, quantity: 2 }], key);
    assert.deepEqual([other.status, other.body.error.code], [409, 'idempotency_conflict']);
    const asClose = await close(api, order.id, key);
    assert.deepEqual([asClose.status, asClose.body.error.code], [409, 'idempotency_conflict'], 'the same key for another action');
    // Without a key, the same edit is another edit.
    assert.equal((await editItems(api, order.id, [COLA])).body.balanceDue, '31.00');

    // Continue-as-new: Temporal forgets the update ids of the old run; the workflow's state remembers the key.
    for (let i = 0; (await runs(order.workflowId)) < 2 && i < 40; i++) assert.equal((await pay(api, order.id, 'cash', '0.01')).status, 200);
    assert.ok((await runs(order.workflowId)) >= 2, 'continued as new');
    const afterRun = await testEnv().client.workflow.getHandle(order.workflowId).executeUpdate(actUpdate, {
      args: [{ action: { type: 'editItems', changes: [{ ...COLA, unitPrice: 300 }] }, actor: operator, idempotency: { key, fingerprint: fingerprintOf([COLA]) } }],
    });
    assert.equal(afterRun.balanceDue, 2800, 'the first answer, from the carried state');
    const viaApi = await editItems(api, order.id, [COLA], key);
    assert.deepEqual(viaApi.body, concurrent[0]!.body);
    const shown = await getOrder(api, order.id);
    assert.equal(shown.adjustments.filter((a: any) => a.sku === 'cola').length, 2, 'the keyed edit once, the unkeyed one once');
  });

  it('closes once with an Idempotency-Key: the resend, also after the order finished, gets the first answer', async () => {
    const order = await openOrder();
    assert.equal((await editItems(api, order.id, [COLA], `edit-${order.id}`)).status, 200);
    assert.equal((await pay(api, order.id, 'card', '28.00')).status, 200);
    const key = `close-${randomUUID()}`;
    const first = await close(api, order.id, key);
    assert.deepEqual([first.status, first.body], [200, { orderId: order.id, action: 'close', status: 'COMPLETED', balanceDue: '0.00' }]);
    await testEnv().client.workflow.getHandle(order.workflowId).result();
    const resent = await close(api, order.id, key);
    assert.deepEqual([resent.status, resent.body], [200, first.body], 'answered from the read model');
    const editResent = await editItems(api, order.id, [COLA], `edit-${order.id}`);
    assert.deepEqual([editResent.status, editResent.body.balanceDue, editResent.body.status], [200, '28.00', 'DISPATCHED'], 'the edit\'s own first answer');
    const otherKey = await close(api, order.id, `close-${randomUUID()}`);
    assert.deepEqual([otherKey.status, otherKey.body.error.code], [409, 'order_closed'], 'a new close of a closed order');
    const wrongBody = await editItems(api, order.id, [COLA], key);
    assert.deepEqual([wrongBody.status, wrongBody.body.error.code], [409, 'idempotency_conflict']);
    await recordHistory('idempotent-edit-close', order.workflowId);
  });

  it('answers 409 to a transaction id reused for another amount, also when both arrive at once', async () => {
    const order = await openOrder();
    const id = txId();
    const [five, nine] = await Promise.all([pay(api, order.id, 'card', '5.00', id), pay(api, order.id, 'card', '9.00', id)]);
    const answers = [five, nine].map((r) => [r.status, r.body.amount ?? r.body.error.code]).sort();
    assert.equal(answers.filter(([status]) => status === 200).length, 1, JSON.stringify(answers));
    assert.equal(answers.filter(([status, code]) => status === 409 && code === 'idempotency_conflict').length, 1, JSON.stringify(answers));
    const listed = await payments(api, order.id);
    assert.equal(listed.payments.length, 1);
    const winner = [five, nine].find((r) => r.status === 200)!;
    assert.equal(listed.payments[0].amount, winner.body.amount);
  });
});

async function runs(workflowId: string): Promise<number> {
  let count = 0;
  for await (const _ of testEnv().client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) count++;
  return count;
}

/** The API's fingerprint of an edit (src/api/orders/actions.ts): sha256 of the action's canonical JSON, prices in cents. */
function fingerprintOf(changes: (typeof COLA)[]): string {
  return sha256(canonicalJson({ type: 'editItems', changes: changes.map((c) => ({ ...c, unitPrice: 300 })) }));
}
