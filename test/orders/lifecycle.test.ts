/**
 * The order lifecycle end to end: REST API → order workflow → simulated providers over
 * HTTP (webhooks and polling) → read model, on a real Temporal server and PostgreSQL.
 * Assertions are on what users see: the API's order view and history, and what the
 * providers themselves received.
 */
import assert from 'node:assert/strict';
import { signatureOf } from '../../src/api/providers/webhooks';
import { withLuhnCheckDigit } from '../../src/domain/loyalty/luhn';
import { LOYALTY_STATUSES } from '../../src/domain/loyalty/status';
import { registerUser } from '../harness/loyalty';
import { testEnv } from '../harness/environment';
import { eventually, request } from '../harness/http';
import { getOrder, orderBody, submit, waitForOrder, waitForStatus } from '../harness/orders';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { recordHistory } from '../harness/replay';
import { operatorAuth, startServices, type ServiceOptions, type TestServices } from '../harness/services';

const PIZZA = { provider: 'pizza', sku: 'margherita', quantity: 2, unitPrice: '12.50' };
const SUSHI = { provider: 'sushi', sku: 'maki', quantity: 3, unitPrice: '4.20' };
const prices = { margherita: 1250, maki: 420 };

describe('order lifecycle', function () {
  this.timeout(60_000);
  let world: { providers: SimulatedProviders; services: TestServices } | undefined;

  async function given(specs: Parameters<typeof startProviders>[0], options: ServiceOptions = {}) {
    const providers = await startProviders(specs);
    const services = await startServices({ ...options, providers: providers.configs });
    world = { providers, services };
    return { sim: providers.simulator, api: services.apiUrl, services };
  }

  afterEach(async () => {
    await world?.services.stop();
    await world?.providers.simulator.stop();
    world = undefined;
  });

  it('completes a two-provider order (webhook and polling), quoting both in parallel', async () => {
    const { sim, api } = await given({
      pizza: { behavior: { prices, latencyMs: 300 } },
      sushi: { behavior: { prices, latencyMs: 300 }, config: { tracking: 'poll' } },
    });
    const order = await submit(api, orderBody([PIZZA, SUSHI]));
    const done = await waitForStatus(api, order.id, 'COMPLETED');

    assert.equal(done.total, '37.60');
    assert.deepEqual(done.subOrders.map((s: any) => [s.key, s.status]), [['pizza', 'DELIVERED'], ['sushi', 'DELIVERED']]);
    assert.equal(sim.placements('pizza', order.id).length, 1);
    assert.equal(sim.placements('sushi', order.id).length, 1);
    const quotes = sim.requests.filter((r) => r.path === '/quotes').map((r) => r.at);
    assert.equal(quotes.length, 2);
    assert.ok(Math.abs(quotes[0]! - quotes[1]!) < 200, `quotes answered ${Math.abs(quotes[0]! - quotes[1]!)} ms apart: not in parallel`);

    const statuses = done.history.filter((h: any) => h.toStatus).map((h: any) => h.toStatus);
    assert.deepEqual(statuses.slice(0, 2), ['RECEIVED', 'DISPATCHED']);
    assert.equal(statuses.at(-1), 'COMPLETED');
    assert.ok(statuses.includes('IN_PROGRESS'));
    const seqs = done.history.map((h: any) => h.seq);
    assert.deepEqual(seqs, seqs.map((_: number, i: number) => i + 1), 'history is complete and ordered');

    // The read model can lead the search attributes by a moment (local activities run before their
    // workflow task completes); once the workflow has finished, both agree.
    const handle = testEnv().client.workflow.getHandle(order.workflowId);
    assert.deepEqual(await handle.result(), { status: 'COMPLETED', reason: 'every sub-order delivered' });
    const description = await handle.describe();
    assert.equal(description.searchAttributes.OrderStatus?.[0], 'COMPLETED');
    assert.deepEqual(description.searchAttributes.Providers, ['pizza', 'sushi']);
    await recordHistory('two-providers-completed', order.workflowId);
  });

  it('reuses a cached quote for the same cart instead of asking the provider again', async () => {
    const { sim, api } = await given({ pizza: { behavior: { prices } } }, { quoteCacheTtlMs: 60_000 });
    for (const quantity of [7, 7, 8]) {
      const order = await submit(api, orderBody([{ ...PIZZA, quantity }]));
      await waitForStatus(api, order.id, 'COMPLETED');
    }
    assert.equal(sim.requests.filter((r) => r.path === '/quotes').length, 2, 'one quote per distinct cart');
  });

  it('retries provider 5xx answers and timeouts, placing each sub-order once', async () => {
    const { sim, api } = await given({ pizza: { behavior: { prices, failNext: 3, hangNext: 1, hangMs: 3_000 } } });
    const order = await submit(api, orderBody([PIZZA]));
    await waitForStatus(api, order.id, 'COMPLETED');
    assert.equal(sim.placements('pizza', order.id).length, 1);
    const failures = sim.requests.filter((r) => r.status >= 500).length;
    assert.ok(failures >= 3, `expected the injected failures to be seen, saw ${failures}`);
  });

  it('moves a sub-order to an alternate provider when the first never accepts within its SLA', async () => {
    const { sim, api } = await given({
      pizza: { behavior: { prices, acceptAfterMs: null }, config: { acceptSlaSeconds: 0.5, alternates: ['pizza-express'] } },
      'pizza-express': { behavior: { prices }, config: { tracking: 'poll' } },
    });
    const order = await submit(api, orderBody([PIZZA]));
    const done = await waitForStatus(api, order.id, 'COMPLETED');
    const [sub] = done.subOrders;
    assert.equal(sub.key, 'pizza');
    assert.equal(sub.provider, 'pizza-express');
    assert.equal(sub.attempt, 2);
    assert.deepEqual(sub.triedProviders, ['pizza', 'pizza-express']);
    const abandoned = sim.placements('pizza', order.id);
    assert.equal(abandoned.length, 1);
    assert.equal(abandoned[0]!.status, 'CANCELLED', 'the late provider was told to cancel');
    assert.ok(done.history.some((h: any) => /did not accept within its SLA.*moving to pizza-express/.test(h.reason ?? '')));
    await recordHistory('sla-failover', order.workflowId);
  });

  it('waits for an operator when no provider can take a sub-order, and an operator retry finishes it', async () => {
    const { sim, api } = await given({ pizza: { behavior: { prices, reject: true } } });
    const order = await submit(api, orderBody([PIZZA]));
    const stuck = await waitForStatus(api, order.id, 'ACTION_REQUIRED');
    assert.equal(stuck.subOrders[0].status, 'FAILED');
    assert.match(stuck.subOrders[0].note, /rejected/);

    sim.configure('pizza', { reject: false });
    const retried = await request('POST', `${api}/orders/${order.id}/sub-orders/pizza/retry`, { headers: operatorAuth });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    const done = await waitForStatus(api, order.id, 'COMPLETED');
    assert.equal(done.subOrders[0].attempt, 2);
    assert.equal(sim.placements('pizza', order.id).length, 2, 'one rejected placement, one retried');
    assert.ok(done.history.some((h: any) => h.actor === 'operator:test-operator' && h.kind === 'action'));
  });

  it('fails an order that overruns its deadline and cancels what providers hold', async () => {
    const { sim, api } = await given({ pizza: { behavior: { prices, stepMs: null } } }, { deadlineMs: 1_500 });
    const order = await submit(api, orderBody([PIZZA]));
    await waitForStatus(api, order.id, 'FAILED');
    const failed = await eventually(async () => {
      const seen = await getOrder(api, order.id);
      return seen.subOrders[0].status === 'CANCELLED' ? seen : undefined;
    });
    assert.equal(failed.outcomeReason, 'overall deadline passed');
    assert.equal(sim.placements('pizza', order.id)[0]!.status, 'CANCELLED');
    await recordHistory('deadline-failed', order.workflowId);
  });

  it('lets an operator cancel mid-flight: providers are told, read model and history say who and why', async () => {
    const { sim, api } = await given({
      pizza: { behavior: { prices, stepMs: null } },
      sushi: { behavior: { prices, stepMs: null }, config: { tracking: 'poll' } },
    });
    const order = await submit(api, orderBody([PIZZA, SUSHI]));
    await eventually(async () => (sim.placements('sushi', order.id).length && sim.placements('pizza', order.id).length ? true : undefined));
    await waitForStatus(api, order.id, 'DISPATCHED');

    const cancel = await request('POST', `${api}/orders/${order.id}/cancel`, { json: { reason: 'customer phoned' }, headers: operatorAuth });
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    await waitForStatus(api, order.id, 'CANCELLED');
    // The decision shows at once; the sub-orders follow as each provider confirms the cancellation.
    const cancelled = await eventually(async () => {
      const seen = await getOrder(api, order.id);
      return seen.subOrders.every((s: any) => s.status === 'CANCELLED') ? seen : undefined;
    });
    assert.equal(cancelled.outcomeReason, 'customer phoned');
    assert.equal(sim.placements('pizza', order.id)[0]!.status, 'CANCELLED');
    assert.equal(sim.placements('sushi', order.id)[0]!.status, 'CANCELLED');
    const last = cancelled.history.filter((h: any) => h.toStatus).at(-1);
    assert.deepEqual([last.toStatus, last.actor, last.reason], ['CANCELLED', 'operator:test-operator', 'customer phoned']);
    const history = await request('GET', `${api}/orders/${order.id}/history`, { headers: operatorAuth });
    assert.deepEqual(history.body.history, cancelled.history);
    await recordHistory('operator-cancel', order.workflowId);
  });

  it('lets an operator force-complete an order', async () => {
    const { api } = await given({ pizza: { behavior: { prices, stepMs: null } } });
    const order = await submit(api, orderBody([PIZZA]));
    await waitForStatus(api, order.id, 'DISPATCHED');
    const done = await request('POST', `${api}/orders/${order.id}/complete`, { json: { reason: 'delivered by hand' }, headers: operatorAuth });
    assert.deepEqual([done.status, done.body.status], [200, 'COMPLETED']);
    const order2 = await waitForStatus(api, order.id, 'COMPLETED');
    assert.equal(order2.outcomeReason, 'delivered by hand');
  });

  it('refuses actions that the order state does not allow with 409, the reason and the current status', async () => {
    const { sim, api } = await given({ pizza: { behavior: { prices, stepMs: null } } });
    const order = await submit(api, orderBody([{ ...PIZZA, unitPrice: null }]));
    await waitForStatus(api, order.id, 'AWAITING_CONFIRMATION');

    const complete = await request('POST', `${api}/orders/${order.id}/complete`, { json: { reason: 'x' }, headers: operatorAuth });
    assert.equal(complete.status, 409);
    assert.deepEqual([complete.body.error.code, complete.body.error.details.status], ['not_dispatched', 'AWAITING_CONFIRMATION']);
    const retry = await request('POST', `${api}/orders/${order.id}/sub-orders/pizza/retry`, { headers: operatorAuth });
    assert.deepEqual([retry.status, retry.body.error.code], [409, 'sub_order_not_failed']);
    const gate = await request('POST', `${api}/orders/${order.id}/gate/open`, { headers: operatorAuth });
    assert.deepEqual([gate.status, gate.body.error.code], [409, 'no_gate']);
    const notOperator = await request('POST', `${api}/orders/${order.id}/complete`, { json: { reason: 'x' }, headers: { 'x-customer-id': order.customerId } });
    assert.equal(notOperator.status, 401);

    const confirm = await request('POST', `${api}/orders/${order.id}/confirm`, { headers: { 'x-customer-id': order.customerId } });
    assert.deepEqual([confirm.status, confirm.body.status], [200, 'DISPATCHED']);
    const placed = await eventually(async () => sim.placements('pizza', order.id)[0]);
    sim.advance(placed.providerOrderId, 'IN_PROGRESS');
    await waitForStatus(api, order.id, 'IN_PROGRESS');
    const customerCancel = await request('POST', `${api}/orders/${order.id}/cancel`, {
      json: { reason: 'changed my mind' },
      headers: { 'x-customer-id': order.customerId },
    });
    assert.deepEqual([customerCancel.status, customerCancel.body.error.code], [409, 'not_cancellable']);

    await request('POST', `${api}/orders/${order.id}/complete`, { json: { reason: 'done' }, headers: operatorAuth });
    await waitForStatus(api, order.id, 'COMPLETED');
    const afterEnd = await request('POST', `${api}/orders/${order.id}/cancel`, { json: { reason: 'late' }, headers: operatorAuth });
    assert.deepEqual([afterEnd.status, afterEnd.body.error.code, afterEnd.body.error.details.status], [409, 'order_closed', 'COMPLETED']);
    const unchanged = await getOrder(api, order.id);
    assert.equal(unchanged.status, 'COMPLETED');
  });

  it('lets a customer cancel their own order before work starts; the confirmation wait times out', async () => {
    const { api } = await given({ pizza: { behavior: { prices, stepMs: null } } }, { confirmationTimeoutMs: 1_000 });
    const own = await submit(api, orderBody([{ ...PIZZA, unitPrice: '9.99' }]));
    const asked = await waitForStatus(api, own.id, 'AWAITING_CONFIRMATION');
    assert.deepEqual(asked.subOrders.map((s: any) => [s.status, s.total]), [['PENDING', '25.00']], 'quoted, not placed');
    assert.equal(world!.providers.simulator.placements('pizza', own.id).length, 0);
    const stranger = await request('POST', `${api}/orders/${own.id}/cancel`, { json: { reason: 'x' }, headers: { 'x-customer-id': 'someone-else' } });
    assert.equal(stranger.status, 403);

    const timedOut = await waitForStatus(api, own.id, 'CANCELLED');
    assert.equal(timedOut.outcomeReason, 'not confirmed in time');

    const other = await submit(api, orderBody([PIZZA]));
    await waitForStatus(api, other.id, 'DISPATCHED');
    const cancel = await request('POST', `${api}/orders/${other.id}/cancel`, { json: { reason: 'ordered twice' }, headers: { 'x-customer-id': other.customerId } });
    assert.equal(cancel.status, 200);
    const cancelled = await waitForStatus(api, other.id, 'CANCELLED');
    assert.equal(cancelled.history.filter((h: any) => h.toStatus).at(-1).actor, `customer:${other.customerId}`);
  });

  it('does not let providers start work before consumables are issued (the gate)', async () => {
    const { sim, api } = await given({ pizza: { behavior: { prices, stepMs: 100 } } });
    const order = await submit(api, orderBody([PIZZA], { requiresGate: true }));
    await eventually(async () => (sim.webhooks.some((w) => w.status === 'IN_PROGRESS' && w.answer === 409) ? true : undefined));
    const waiting = await waitForOrder(api, order.id, (o) => o.subOrders[0].status !== 'PLACED', 'the acceptance to be visible');
    assert.equal(waiting.status, 'DISPATCHED');
    assert.equal(waiting.gate, 'closed');
    assert.equal(waiting.subOrders[0].status, 'ACCEPTED');

    const open = await request('POST', `${api}/orders/${order.id}/gate/open`, { headers: operatorAuth });
    assert.equal(open.status, 200);
    const done = await waitForStatus(api, order.id, 'COMPLETED');
    assert.equal(done.gate, 'open');
    await recordHistory('gate', order.workflowId);
  });

  it('treats repeated submissions with one key as one order: one workflow, one number, one placement per provider', async () => {
    const { sim, api } = await given({ pizza: { behavior: { prices } }, sushi: { behavior: { prices } } });
    const body = orderBody([PIZZA, SUSHI]);
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => request('POST', `${api}/orders`, { json: body, headers: { 'Idempotency-Key': `dup-${body.customerId}` } })),
    );
    const ids = new Set(responses.map((r) => r.body.id));
    const numbers = new Set(responses.map((r) => r.body.number));
    assert.deepEqual([ids.size, numbers.size], [1, 1]);
    assert.deepEqual(responses.map((r) => r.status).sort(), [200, 200, 200, 200, 202]);
    const [id] = ids;
    await waitForStatus(api, id, 'COMPLETED');
    assert.equal(sim.placements('pizza', id).length, 1);
    assert.equal(sim.placements('sushi', id).length, 1);
  });

  it('rejects a webhook with a bad signature (401) and it changes nothing', async () => {
    const { sim, api } = await given({ pizza: { behavior: { prices, stepMs: null } } });
    const order = await submit(api, orderBody([PIZZA]));
    const placed = await eventually(async () => sim.placements('pizza', order.id)[0]);
    await waitForOrder(api, order.id, (o) => o.status === 'DISPATCHED' && o.subOrders[0].status === 'ACCEPTED', 'the sub-order to be accepted');
    const event = JSON.stringify({ eventId: 'forged-1', orderId: order.id, providerOrderId: placed.providerOrderId, status: 'DELIVERED' });
    for (const signature of [undefined, 'sha256=00', signatureOf('not-the-secret-at-all', event)]) {
      const response = await request('POST', `${api}/providers/pizza/events`, {
        body: event,
        headers: { 'content-type': 'application/json', ...(signature ? { 'x-signature': signature } : {}) },
      });
      assert.deepEqual([response.status, response.body.error.code], [401, 'bad_signature']);
    }
    const after = await getOrder(api, order.id);
    assert.equal(after.status, 'DISPATCHED');
    assert.equal(after.subOrders[0].status, 'ACCEPTED');

    // The same event properly signed is applied; a redelivery gets the same answer and is applied once.
    const secret = sim.behavior('pizza').webhookSecret!;
    const send = () =>
      request('POST', `${api}/providers/pizza/events`, { body: event, headers: { 'content-type': 'application/json', 'x-signature': signatureOf(secret, event) } });
    const first = await send();
    const again = await send();
    assert.deepEqual([first.status, first.body.outcome], [200, 'applied']);
    assert.deepEqual(again.body, first.body);
    const done = await waitForStatus(api, order.id, 'COMPLETED');
    assert.equal(done.history.filter((h: any) => h.kind === 'provider-report' && h.reason === 'DELIVERED').length, 1);

    // A late event for a finished order is acknowledged (so the provider stops retrying) and ignored.
    await testEnv().client.workflow.getHandle(order.workflowId).result();
    const late = JSON.stringify({ eventId: 'late-1', orderId: order.id, providerOrderId: placed.providerOrderId, status: 'DELAYED' });
    const answer = await request('POST', `${api}/providers/pizza/events`, {
      body: late,
      headers: { 'content-type': 'application/json', 'x-signature': signatureOf(secret, late) },
    });
    assert.deepEqual([answer.status, answer.body.outcome, answer.body.status], [200, 'ignored', 'COMPLETED']);
  });

  it('continues a long order as new, carrying its state, and still completes it exactly once', async () => {
    const { sim, api } = await given(
      { pizza: { behavior: { prices, stepMs: 50 } }, sushi: { behavior: { prices, stepMs: 50 } } },
      { historyEventLimit: 25 },
    );
    const order = await submit(api, orderBody([PIZZA, SUSHI]));
    const done = await waitForStatus(api, order.id, 'COMPLETED');
    let runs = 0;
    for await (const _ of testEnv().client.workflow.list({ query: `WorkflowId = '${order.workflowId}'` })) runs++;
    assert.ok(runs >= 2, `expected continue-as-new, saw ${runs} run(s)`);
    assert.deepEqual(done.history.map((h: any) => h.seq), done.history.map((_: unknown, i: number) => i + 1));
    assert.equal(sim.placements('pizza', order.id).length, 1);
    assert.equal(sim.placements('sushi', order.id).length, 1);
    assert.deepEqual(done.subOrders.map((s: any) => s.status), ['DELIVERED', 'DELIVERED']);
  });

  it('registers a completed purchase of a loyalty user for points, without an upload', async () => {
    const { api } = await given({ pizza: { behavior: { prices } } });
    const user = await registerUser(api);
    const stranger = await submit(api, orderBody([PIZZA]));
    const order = await submit(api, { ...orderBody([PIZZA]), customerId: user.login });
    // Points are registered after the order completed, as the workflow's last step.
    for (const o of [stranger, order]) await testEnv().client.workflow.getHandle(o.workflowId).result();
    const done = await getOrder(api, order.id);
    const number = withLuhnCheckDigit(String(order.number));
    assert.ok(done.history.some((h: any) => h.reason === `loyalty: purchase ${number} registered for points`));
    const uploads = await user.call('GET', '/api/user/orders');
    assert.equal(uploads.status, 200);
    assert.deepEqual(uploads.body.map((o: any) => o.number), [number]);
    // The order shows its accrual under the number the loyalty API lists (its state moves on as the accrual system answers).
    assert.equal(done.loyalty.number, number);
    assert.ok(LOYALTY_STATUSES.includes(done.loyalty.status), done.loyalty.status);
    const strangers = await getOrder(api, stranger.id);
    assert.ok(!strangers.history.some((h: any) => /loyalty/.test(h.reason ?? '')));
    assert.equal(strangers.loyalty, null);
    await recordHistory('completed-with-loyalty-points', order.workflowId);
  });

  it('ignores a stale provider report that would move a sub-order backwards', async () => {
    const { sim, api } = await given({ pizza: { behavior: { prices, stepMs: null } } });
    const order = await submit(api, orderBody([PIZZA]));
    const placed = await eventually(async () => sim.placements('pizza', order.id)[0]);
    sim.advance(placed.providerOrderId, 'IN_DELIVERY');
    await waitForStatus(api, order.id, 'IN_DELIVERY');
    sim.advance(placed.providerOrderId, 'IN_PROGRESS'); // a stale worker's late report
    await eventually(async () => (sim.webhooks.some((w) => w.status === 'IN_PROGRESS' && w.answer === 200) ? true : undefined));
    const after = await getOrder(api, order.id);
    assert.equal(after.subOrders[0].status, 'IN_DELIVERY');
    assert.equal(after.status, 'IN_DELIVERY');
  });
});
