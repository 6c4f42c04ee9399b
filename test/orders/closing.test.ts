/**
 * Closing only when paid (seed 002): an order whose bill is being paid and that still has money
 * due when its providers have delivered waits in AWAITING_PAYMENT, over HTTP, on the real stack.
 */
import assert from 'node:assert/strict';
import { testEnv } from '../harness/environment';
import { eventually, request } from '../harness/http';
import { assertLegalStatuses, getOrder, orderBody, submit, waitForOrder, waitForStatus } from '../harness/orders';
import { close, pay, payments } from '../harness/payments';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { recordHistory } from '../harness/replay';
import { operatorAuth, startServices, type ServiceOptions, type TestServices } from '../harness/services';

const PIZZA = { provider: 'pizza', sku: 'margherita', quantity: 2, unitPrice: '12.50' }; // 25.00

describe('closing only when paid', function () {
  this.timeout(60_000);
  let world: { providers: SimulatedProviders; services: TestServices } | undefined;

  /** An accepted order, partly paid, that its provider then delivers. */
  async function deliveredPartlyPaid(options: ServiceOptions = {}) {
    const providers = await startProviders({ pizza: { behavior: { prices: { margherita: 1250 }, stepMs: null } } });
    const services = await startServices({ ...options, providers: providers.configs });
    world = { providers, services };
    const api = services.apiUrl;
    const order = await submit(api, orderBody([PIZZA]));
    await waitForOrder(api, order.id, (o) => o.subOrders[0]?.status === 'ACCEPTED', 'the sub-order to be accepted');
    const paid = await pay(api, order.id, 'cash', '5.00');
    assert.equal(paid.status, 200, JSON.stringify(paid.body));
    const [placed] = providers.simulator.placements('pizza', order.id);
    providers.simulator.advance(placed!.providerOrderId, 'DELIVERED');
    const waiting = await waitForStatus(api, order.id, 'AWAITING_PAYMENT');
    return { api, order, waiting };
  }

  afterEach(async () => {
    await world?.services.stop();
    await world?.providers.simulator.stop();
    world = undefined;
  });

  it('waits for the rest once delivered, takes it, and then completes', async () => {
    const { api, order, waiting } = await deliveredPartlyPaid();
    assert.equal(waiting.billing.balanceDue, '20.00');
    assert.equal(waiting.subOrders[0].status, 'DELIVERED');
    assert.match(waiting.history.at(-1).reason, /every sub-order delivered; waiting for the 20.00 still due/);

    const early = await close(api, order.id);
    assert.deepEqual([early.status, early.body.error.code, early.body.error.details.status], [423, 'payment_due', 'AWAITING_PAYMENT']);
    const delay = await request('POST', `${api}/orders/${order.id}/delay`, { json: { reason: 'x' }, headers: operatorAuth });
    assert.deepEqual([delay.status, delay.body.error.code], [409, 'already_delivered']);
    const listed = await request('GET', `${api}/orders?status=AWAITING_PAYMENT&customerId=${order.customerId}`, { headers: operatorAuth });
    assert.deepEqual(listed.body.orders.map((o: any) => o.id), [order.id]);

    const rest = await pay(api, order.id, 'card', '20.00');
    assert.deepEqual([rest.status, rest.body.balanceDue], [200, '0.00']);
    const done = await waitForStatus(api, order.id, 'COMPLETED');
    assert.equal(done.outcomeReason, 'every sub-order delivered and paid in full');
    assert.deepEqual(done.billing, { total: '25.00', paid: '25.00', refunded: '0.00', balanceDue: '0.00' });
    assert.deepEqual(assertLegalStatuses(done.history).slice(-3), ['IN_DELIVERY', 'AWAITING_PAYMENT', 'COMPLETED']);
    await recordHistory('awaiting-payment-then-paid', order.workflowId);
  });

  it('is not failed by the overall deadline once delivered; an operator may cancel it, refunding what was paid', async () => {
    const deadlineMs = 4_000;
    const { api, order } = await deliveredPartlyPaid({ deadlineMs });
    const submitted = Date.parse((await getOrder(api, order.id)).createdAt);
    // The deadline is a time, not an event: wait until it has passed (with a margin for the timer), then look.
    await eventually(async () => (Date.now() > submitted + deadlineMs + 1_000 ? true : undefined), deadlineMs + 5_000, 'the deadline to pass');
    assert.equal((await getOrder(api, order.id)).status, 'AWAITING_PAYMENT');

    const cancel = await request('POST', `${api}/orders/${order.id}/cancel`, { json: { reason: 'customer left without paying' }, headers: operatorAuth });
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    assert.deepEqual(await testEnv().client.workflow.getHandle(order.workflowId).result(), { status: 'CANCELLED', reason: 'customer left without paying' });
    const ledger = await payments(api, order.id);
    assert.deepEqual(ledger.payments.map((p: any) => [p.kind, p.amount]), [['payment', '5.00'], ['refund', '5.00']]);
  });

  it('completes on delivery, as before, an order nobody started paying here', async () => {
    const providers = await startProviders({ pizza: { behavior: { prices: { margherita: 1250 } } } });
    const services = await startServices({ providers: providers.configs });
    world = { providers, services };
    const order = await submit(services.apiUrl, orderBody([PIZZA]));
    const done = await waitForStatus(services.apiUrl, order.id, 'COMPLETED');
    assert.equal(done.outcomeReason, 'every sub-order delivered');
    assert.ok(!assertLegalStatuses(done.history).includes('AWAITING_PAYMENT'));
  });
});
