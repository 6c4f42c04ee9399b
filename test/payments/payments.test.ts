/**
 * Paying an order in several goes, editing it in between, closing it only when paid, and
 * refunds on cancellation — through the REST API, on a real Temporal server and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { actUpdate } from '../../src/workflows/orders/messages';
import { testEnv } from '../harness/environment';
import { eventually, request } from '../harness/http';
import { getOrder, orderBody, submit, waitForStatus } from '../harness/orders';
import { close, editItems, pay, payments, refund, txId } from '../harness/payments';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { recordHistory } from '../harness/replay';
import { operatorAuth, startServices, type ServiceOptions, type TestServices } from '../harness/services';

const PIZZA = { provider: 'pizza', sku: 'margherita', quantity: 2, unitPrice: '12.50' }; // 25.00
const prices = { margherita: 1250 };

describe('payments in several goes', function () {
  this.timeout(60_000);
  let world: { providers: SimulatedProviders; services: TestServices } | undefined;

  /** An order placed with a provider that accepts and then waits (stays open for payments). */
  async function openOrder(options: ServiceOptions = {}) {
    const providers = await startProviders({ pizza: { behavior: { prices, stepMs: null } } });
    const services = await startServices({ ...options, providers: providers.configs });
    world = { providers, services };
    const api = services.apiUrl;
    const order = await submit(api, orderBody([PIZZA]));
    await waitForStatus(api, order.id, 'DISPATCHED');
    return { api, order };
  }

  afterEach(async () => {
    await world?.services.stop();
    await world?.providers.simulator.stop();
    world = undefined;
  });

  it('takes cash, card and gift card up to exactly the total, then closes the order as sold', async () => {
    const { api, order } = await openOrder();
    const dues = [];
    for (const [method, amount] of [['cash', '10.00'], ['card', '12.50'], ['gift_card', '2.50']] as const) {
      const paid = await pay(api, order.id, method, amount);
      assert.equal(paid.status, 200, JSON.stringify(paid.body));
      assert.deepEqual([paid.body.method, paid.body.amount, paid.body.status], [method, amount, 'CAPTURED']);
      dues.push(paid.body.balanceDue);
    }
    assert.deepEqual(dues, ['15.00', '2.50', '0.00']);

    const closed = await close(api, order.id);
    assert.deepEqual([closed.status, closed.body.status], [200, 'COMPLETED']);
    const done = await waitForStatus(api, order.id, 'COMPLETED');
    assert.equal(done.outcomeReason, 'sold: closed fully paid');
    assert.deepEqual(done.billing, { total: '25.00', paid: '25.00', refunded: '0.00', balanceDue: '0.00' });
    assert.deepEqual(done.payments.map((p: any) => [p.method, p.amount]), [['cash', '10.00'], ['card', '12.50'], ['gift_card', '2.50']]);
    const listed = await payments(api, order.id);
    assert.deepEqual(listed.payments, done.payments);
    assert.equal(listed.balanceDue, '0.00');

    const late = await pay(api, order.id, 'cash', '1.00');
    assert.deepEqual([late.status, late.body.error.code, late.body.error.details.status], [409, 'order_closed', 'COMPLETED']);
    await recordHistory('split-payment-closed', order.workflowId);
  });

  it('answers 423 Locked with the amount still due when closing an underpaid order, and refuses overpayment', async () => {
    const { api, order } = await openOrder();
    assert.equal((await pay(api, order.id, 'cash', '10.00')).status, 200);
    const locked = await close(api, order.id);
    assert.equal(locked.status, 423, JSON.stringify(locked.body));
    assert.deepEqual(
      [locked.body.error.code, locked.body.error.details.balanceDue, locked.body.error.details.status],
      ['payment_due', '15.00', 'DISPATCHED'],
    );
    const over = await pay(api, order.id, 'card', '15.01');
    assert.deepEqual([over.status, over.body.error.code, over.body.error.details.balanceDue], [409, 'overpayment', '15.00']);
    const bad = await pay(api, order.id, 'bitcoin', '1.00');
    assert.equal(bad.status, 400);
    const still = await getOrder(api, order.id);
    assert.deepEqual([still.status, still.billing.balanceDue, still.payments.length], ['DISPATCHED', '15.00', 1]);
  });

  it('lets a partly paid order be edited: pay, add items, pay the rest, close', async () => {
    const { api, order } = await openOrder();
    assert.equal((await pay(api, order.id, 'card', '25.00')).body.balanceDue, '0.00');
    const edited = await editItems(api, order.id, [{ provider: 'pizza', sku: 'cola', quantity: 2, unitPrice: '3.00' }]);
    assert.deepEqual([edited.status, edited.body.balanceDue], [200, '6.00'], JSON.stringify(edited.body));
    const locked = await close(api, order.id);
    assert.deepEqual([locked.status, locked.body.error.details.balanceDue], [423, '6.00']);
    const noPrice = await editItems(api, order.id, [{ provider: 'pizza', sku: 'tiramisu', quantity: 1 }]);
    assert.deepEqual([noPrice.status, noPrice.body.error.code], [409, 'price_required']);

    assert.equal((await pay(api, order.id, 'cash', '6.00')).body.balanceDue, '0.00');
    assert.equal((await close(api, order.id)).status, 200);
    const done = await waitForStatus(api, order.id, 'COMPLETED');
    assert.deepEqual(done.billing, { total: '31.00', paid: '31.00', refunded: '0.00', balanceDue: '0.00' });
    assert.deepEqual(done.adjustments.map((a: any) => [a.sku, a.quantity, a.amount]), [['cola', 2, '6.00']]);
    const edit = await editItems(api, order.id, [{ provider: 'pizza', sku: 'cola', quantity: 1 }]);
    assert.deepEqual([edit.status, edit.body.error.code], [409, 'order_closed']);
  });

  it('records a payment sent twice, concurrently and then again, once; the same id for another payment is a conflict', async () => {
    const { api, order } = await openOrder();
    const id = txId();
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => pay(api, order.id, 'card', '7.00', id)));
    assert.deepEqual(concurrent.map((r) => r.status), [200, 200, 200, 200, 200]);
    for (const response of concurrent) assert.deepEqual(response.body, concurrent[0]!.body);
    assert.equal(concurrent[0]!.body.balanceDue, '18.00');
    const again = await pay(api, order.id, 'card', '7.00', id);
    assert.deepEqual(again.body, concurrent[0]!.body);
    const other = await pay(api, order.id, 'cash', '7.00', id);
    assert.deepEqual([other.status, other.body.error.code], [409, 'idempotency_conflict']);

    // After the workflow finished, the read model answers the repeat.
    await pay(api, order.id, 'cash', '18.00');
    await close(api, order.id);
    await testEnv().client.workflow.getHandle(order.workflowId).result();
    const afterEnd = await pay(api, order.id, 'card', '7.00', id);
    assert.deepEqual([afterEnd.status, afterEnd.body], [200, concurrent[0]!.body]);
    const listed = await payments(api, order.id);
    assert.equal(listed.payments.filter((p: any) => p.transactionId === id).length, 1);
    assert.equal(listed.paid, '25.00');
  });

  it('remembers applied transaction ids across continue-as-new', async () => {
    const { api, order } = await openOrder({ historyEventLimit: 25 });
    const first = txId();
    const original = await pay(api, order.id, 'cash', '1.00', first);
    for (let i = 0; i < 6; i++) assert.equal((await pay(api, order.id, 'cash', '1.00')).status, 200);
    let runs = 0;
    await eventually(async () => {
      runs = 0;
      for await (const _ of testEnv().client.workflow.list({ query: `WorkflowId = '${order.workflowId}'` })) runs++;
      return runs >= 2 ? true : undefined;
    }, 15_000, 'continue-as-new');
    // Sent to the new run (the read-model check is bypassed by going to the workflow directly).
    const repeat = await testEnv().client.workflow.getHandle(order.workflowId).executeUpdate(actUpdate, {
      args: [{ action: { type: 'pay', payment: { kind: 'payment', id: first, method: 'cash', amount: 100 } }, actor: { role: 'operator', id: 't' } }],
    });
    assert.equal(repeat.transaction?.balanceDueAfter, 2400);
    const again = await pay(api, order.id, 'cash', '1.00', first);
    assert.deepEqual(again.body, original.body);
    const listed = await payments(api, order.id);
    assert.deepEqual([listed.payments.length, listed.paid, listed.balanceDue], [7, '7.00', '18.00']);
  });

  it('refunds (part of) a payment by its method, once: over-refund, unknown payment, repeats, and across continue-as-new', async () => {
    const { api, order } = await openOrder({ historyEventLimit: 25 });
    const card = (await pay(api, order.id, 'card', '10.00')).body.transactionId;
    assert.equal((await pay(api, order.id, 'cash', '15.00')).body.balanceDue, '0.00');
    const first = await refund(api, order.id, card, '4.00');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(
      [first.body.kind, first.body.method, first.body.amount, first.body.status, first.body.refundOf, first.body.balanceDue],
      ['refund', 'card', '4.00', 'REFUNDED', card, '4.00'],
    );
    const over = await refund(api, order.id, card, '6.01');
    assert.deepEqual([over.status, over.body.error.code, over.body.error.details.refundable], [409, 'refund_exceeds_payment', '6.00']);
    const unknown = await refund(api, order.id, 'no-such-payment', '1.00');
    assert.deepEqual([unknown.status, unknown.body.error.code], [409, 'unknown_payment']);
    const ofRefund = await refund(api, order.id, first.body.transactionId, '1.00');
    assert.deepEqual([ofRefund.status, ofRefund.body.error.code], [409, 'unknown_payment'], 'a refund is not a payment');
    const zero = await refund(api, order.id, card, '0.00');
    assert.deepEqual([zero.status, zero.body.error.code], [400, 'validation_failed']);
    const repeat = await refund(api, order.id, card, '4.00', first.body.transactionId);
    assert.deepEqual([repeat.status, repeat.body], [200, first.body]);
    const reused = await refund(api, order.id, card, '5.00', first.body.transactionId);
    assert.deepEqual([reused.status, reused.body.error.code], [409, 'idempotency_conflict']);

    // Pay the refunded 4.00 back in cents until the order continues as new: the ledger goes with it.
    let runs = 0;
    for (let i = 0; i < 40 && runs < 2; i++) {
      assert.equal((await pay(api, order.id, 'cash', '0.01')).status, 200);
      runs = 0;
      for await (const _ of testEnv().client.workflow.list({ query: `WorkflowId = '${order.workflowId}'` })) runs++;
    }
    assert.ok(runs >= 2, 'continued as new');
    const afterRun = await testEnv().client.workflow.getHandle(order.workflowId).executeUpdate(actUpdate, {
      args: [{ action: { type: 'refund', refund: { kind: 'refund', id: first.body.transactionId, refundOf: card, amount: 400 } }, actor: { role: 'operator', id: 't' } }],
    });
    assert.equal(afterRun.transaction?.balanceDueAfter, 400, 'the new run answers the repeat with the first result');
    const rest = await refund(api, order.id, card, '6.00');
    assert.equal(rest.status, 200, JSON.stringify(rest.body));
    const none = await refund(api, order.id, card, '0.01');
    assert.deepEqual([none.status, none.body.error.code, none.body.error.details.refundable], [409, 'refund_exceeds_payment', '0.00']);
    const listed = await eventually(async () => {
      const seen = await payments(api, order.id);
      return seen.payments.filter((p: any) => p.kind === 'refund').length === 2 ? seen : undefined;
    });
    assert.equal(listed.refunded, '10.00');
    assert.deepEqual(listed.payments.filter((p: any) => p.kind === 'refund').map((p: any) => [p.refundOf, p.amount]), [[card, '4.00'], [card, '6.00']]);
  });

  it('refunds what was paid when a partly paid order is cancelled, once', async () => {
    const { api, order } = await openOrder();
    const paid = await pay(api, order.id, 'card', '10.00');
    const cancel = await request('POST', `${api}/orders/${order.id}/cancel`, { json: { reason: 'customer left' }, headers: operatorAuth });
    assert.equal(cancel.status, 200);
    await waitForStatus(api, order.id, 'CANCELLED');
    const refunded = await eventually(async () => {
      const listed = await payments(api, order.id);
      return listed.payments.some((p: any) => p.kind === 'refund') ? listed : undefined;
    });
    const refunds = refunded.payments.filter((p: any) => p.kind === 'refund');
    assert.deepEqual(
      refunds.map((r: any) => [r.transactionId, r.refundOf, r.method, r.amount, r.status]),
      [[`compensation:${paid.body.transactionId}`, paid.body.transactionId, 'card', '10.00', 'REFUNDED']],
    );
    assert.deepEqual([refunded.paid, refunded.refunded], ['10.00', '10.00']);
    await testEnv().client.workflow.getHandle(order.workflowId).result();
    const again = await request('POST', `${api}/orders/${order.id}/cancel`, { json: { reason: 'again' }, headers: operatorAuth });
    assert.deepEqual([again.status, again.body.error.code], [409, 'order_closed']);
    const payAfter = await pay(api, order.id, 'cash', '1.00');
    assert.deepEqual([payAfter.status, payAfter.body.error.details.status], [409, 'CANCELLED']);
    assert.equal((await payments(api, order.id)).payments.filter((p: any) => p.kind === 'refund').length, 1);
    await recordHistory('partly-paid-cancelled', order.workflowId);
  });

  it('asks the running workflow, not a read-model row it never committed, whether a payment was recorded', async () => {
    const { api, order } = await openOrder();
    // What a worker killed between its projection and the end of its workflow task leaves behind:
    // a payments row the workflow does not have (the update was lost with a Temporal restart).
    const transactionId = txId('phantom');
    await testEnv().prisma.payment.create({
      data: {
        orderId: order.id, transactionId, kind: 'payment', method: 'cash', amountCents: 1000n, status: 'CAPTURED',
        balanceDueAfterCents: 1500n, actor: 'operator:test', recordedAt: new Date(Date.now() - 60_000),
      },
    });
    const paid = await pay(api, order.id, 'cash', '10.00', transactionId);
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    const state = await testEnv().client.workflow.getHandle(order.workflowId).query('state');
    assert.deepEqual((state as any).state.transactions.map((t: any) => t.id), [transactionId], 'the workflow recorded the payment');
    // Its own projection replaced the leftover row, and the close sees the money.
    await eventually(async () => {
      const row = await testEnv().prisma.payment.findUnique({ where: { orderId_transactionId: { orderId: order.id, transactionId } } });
      return row && row.recordedAt.getTime() > Date.now() - 30_000 ? row : undefined;
    }, 10_000, 'the workflow\'s own payments row');
    assert.equal((await pay(api, order.id, 'card', '15.00')).status, 200);
    assert.deepEqual([(await close(api, order.id)).status], [200]);
  });
});
