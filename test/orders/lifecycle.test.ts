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
import { stateQuery } from '../../src/workflows/orders/messages';
import { assertLegalStatuses, getOrder, orderBody, submit, waitForOrder, waitForStatus } from '../harness/orders';
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

    const statuses = assertLegalStatuses(done.history);
    assert.deepEqual(statuses.slice(0, 2), ['RECEIVED', 'DISPATCHED']);
    assert.deepEqual(statuses.slice(-2), ['IN_DELIVERY', 'COMPLETED'], 'delivered: never back to IN_PROGRESS');
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
    // The quote meets a hang and three 500s; the placement a 500, then one the provider processed but whose answer was lost.
    const faults = { place: { failNext: 1, loseAnswerNext: 1 } };
    const { sim, api } = await given({ pizza: { behavior: { prices, failNext: 3, hangNext: 1, hangMs: 3_000, faults } } });
    const order = await submit(api, orderBody([PIZZA]));
    await waitForStatus(api, order.id, 'COMPLETED');
    assert.equal(sim.placements('pizza', order.id).length, 1);
    const placing = sim.requests.filter((r) => r.operation === 'place');
    assert.deepEqual(placing.map((r) => r.status), [500, 0, 200], 'failed, processed with its answer lost, answered from its key');
    assert.equal(new Set(placing.map((r) => r.idempotencyKey)).size, 1, 'every retry carried the same key');
    const failures = sim.requests.filter((r) => r.operation === 'quote' && r.status >= 500).length;
    assert.ok(failures >= 3, `expected the injected quote failures to be seen, saw ${failures}`);
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
    assertLegalStatuses(done.history);
    await recordHistory('sla-failover', order.workflowId);
  });

  it('waits for an operator when a provider misses its SLA and there is no alternate, cancelling it there', async () => {
    const { sim, api } = await given({ pizza: { behavior: { prices, acceptAfterMs: null }, config: { acceptSlaSeconds: 0.5 } } });
    const order = await submit(api, orderBody([PIZZA]));
    const stuck = await waitForOrder(api, order.id, (o) => o.status === 'ACTION_REQUIRED' && o.subOrders[0].status === 'FAILED', 'the sub-order to fail');
    assert.match(stuck.subOrders[0].note, /did not accept within its SLA \(0.5 s\)/);
    assert.equal(sim.placements('pizza', order.id)[0]!.status, 'CANCELLED');
    assert.deepEqual(assertLegalStatuses(stuck.history), ['RECEIVED', 'DISPATCHED', 'ACTION_REQUIRED']);
  });

  describe('a provider answering a cancellation 404 (it no longer has the sub-order) or another 4xx', () => {
    const slaMiss = (failStatus: number) => ({
      pizza: { behavior: { prices, acceptAfterMs: null, faults: { cancel: { failNext: 99, failStatus } } }, config: { acceptSlaSeconds: 0.5, alternates: ['pizza-express'] } },
      'pizza-express': { behavior: { prices } },
    });

    it('SLA missed, cancel answered 404: counts as cancelled, and the sub-order moves to the alternate', async () => {
      const { sim, api } = await given(slaMiss(404));
      const order = await submit(api, orderBody([PIZZA]));
      const done = await waitForStatus(api, order.id, 'COMPLETED');
      assert.equal(done.subOrders[0].provider, 'pizza-express');
      assert.ok(done.history.some((h: any) => /pizza no longer has it/.test(h.reason ?? '')), 'the 404 is recorded');
      assert.ok(sim.requests.some((r) => r.provider === 'pizza' && r.operation === 'cancel' && r.status === 404));
      assertLegalStatuses(done.history);
    });

    it('SLA missed, cancel answered 422: the refusal is recorded and the sub-order waits for an operator; the order still ends cleanly', async () => {
      const { api } = await given(slaMiss(422));
      const order = await submit(api, orderBody([PIZZA]));
      const stuck = await waitForOrder(api, order.id, (o) => o.status === 'ACTION_REQUIRED', 'the refusal to need an operator');
      assert.match(stuck.subOrders[0].note, /pizza refused to cancel: .*answered 422/);
      assert.equal(stuck.subOrders[0].provider, 'pizza', 'not moved on: pizza may still hold it');
      const cancel = await request('POST', `${api}/orders/${order.id}/cancel`, { json: { reason: 'pizza is unreachable' }, headers: operatorAuth });
      assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
      const handle = testEnv().client.workflow.getHandle(order.workflowId);
      assert.deepEqual(await handle.result(), { status: 'CANCELLED', reason: 'pizza is unreachable' });
    });

    for (const [failStatus, expected] of [[404, /pizza no longer has it/], [422, /pizza refused to cancel: .*answered 422/]] as const) {
      it(`operator cancel, compensation answered ${failStatus}: recorded on the sub-order, and the workflow ends CANCELLED`, async () => {
        const { sim, api } = await given({ pizza: { behavior: { prices, stepMs: null } } });
        const order = await submit(api, orderBody([PIZZA]));
        await waitForOrder(api, order.id, (o) => o.subOrders[0]?.status === 'ACCEPTED', 'the sub-order to be accepted');
        sim.configure('pizza', { faults: { cancel: { failNext: 99, failStatus } } });
        const cancel = await request('POST', `${api}/orders/${order.id}/cancel`, { json: { reason: 'customer phoned' }, headers: operatorAuth });
        assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
        const handle = testEnv().client.workflow.getHandle(order.workflowId);
        assert.deepEqual(await handle.result(), { status: 'CANCELLED', reason: 'customer phoned' });
        const done = await getOrder(api, order.id);
        assert.equal(done.subOrders[0].status, failStatus === 404 ? 'CANCELLED' : 'FAILED');
        assert.match(done.subOrders[0].note, expected);
        assert.ok(done.history.some((h: any) => expected.test(h.reason ?? '')));
      });
    }
  });

  it('cancels a placement whose answer was lost before failing over: only the alternate delivers', async () => {
    const { sim, api } = await given({
      // pizza creates every placement but its answers never arrive (200 ms client timeout): placing is
      // retried for the shortest budget (10 s, its SLA being 1 s), then the sub-order fails over.
      pizza: {
        behavior: { prices, stepMs: null, hangMs: 2_000, faults: { place: { loseAnswerNext: 1_000 } } },
        config: { timeoutMs: 200, acceptSlaSeconds: 1, alternates: ['pizza-express'] },
      },
      'pizza-express': { behavior: { prices, stepMs: null } },
    });
    const order = await submit(api, orderBody([PIZZA]));
    const moved = await waitForOrder(api, order.id, (o) => o.subOrders[0]?.provider === 'pizza-express' && o.subOrders[0].status === 'ACCEPTED', 'the failover', 30_000);
    assert.match(moved.subOrders[0].note, /placing with pizza failed/);
    const orphan = await eventually(async () => {
      const [placed] = sim.placements('pizza', order.id);
      return placed?.status === 'CANCELLED' ? placed : undefined;
    }, 15_000, 'the abandoned placement to be cancelled at pizza');
    const cancels = sim.requests.filter((r) => r.provider === 'pizza' && r.operation === 'cancelPlacement');
    assert.deepEqual(cancels.map((r) => [r.path, r.status]), [[`/placements/${encodeURIComponent(orphan.idempotencyKey)}/cancel`, 200]]);

    // The abandoned placement's late webhook is acknowledged, so the provider stops retrying.
    const event = JSON.stringify({ eventId: 'orphan-1', orderId: order.id, providerOrderId: orphan.providerOrderId, status: 'IN_PROGRESS' });
    const secret = sim.behavior('pizza').webhookSecret!;
    const late = await eventually(async () => {
      const answer = await request('POST', `${api}/providers/pizza/events`, { body: event, headers: { 'content-type': 'application/json', 'x-signature': signatureOf(secret, event) } });
      return answer.status === 200 ? answer : undefined; // 409 only until the workflow learnt the orphan's id from the cancel
    });
    assert.equal(late.body.outcome, 'ignored');

    const [kept] = sim.placements('pizza-express', order.id);
    sim.advance(kept!.providerOrderId, 'DELIVERED');
    const done = await waitForStatus(api, order.id, 'COMPLETED');
    assert.deepEqual(done.subOrders.map((s: any) => [s.provider, s.status]), [['pizza-express', 'DELIVERED']]);
    assert.deepEqual(sim.placements('pizza', order.id).map((p) => p.status), ['CANCELLED'], 'pizza delivers nothing');
    assert.ok(done.history.some((h: any) => /cancelled the abandoned placement \(attempt 1\) at pizza/.test(h.reason ?? '')));
    assertLegalStatuses(done.history);
    await recordHistory('failover-abandoned-placement-cancelled', order.workflowId);
  });

  it('waits for an operator when no provider can take a sub-order, and an operator retry finishes it', async () => {
    const { sim, api } = await given({ pizza: { behavior: { prices, reject: true } } });
    const order = await submit(api, orderBody([PIZZA]));
    const stuck = await waitForStatus(api, order.id, 'ACTION_REQUIRED');
    assert.equal(stuck.subOrders[0].status, 'FAILED');
    assert.match(stuck.subOrders[0].note, /rejected/);

    sim.configure('pizza', { reject: false });
    const retried = await request('POST', `${api}/orders/${order.id}/sub-orders/pizza/retry`, {
      json: { reason: 'pizza is taking orders again' },
      headers: operatorAuth,
    });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    const done = await waitForStatus(api, order.id, 'COMPLETED');
    assert.equal(done.subOrders[0].attempt, 2);
    assert.equal(sim.placements('pizza', order.id).length, 2, 'one rejected placement, one retried');
    const action = done.history.find((h: any) => h.actor === 'operator:test-operator' && h.kind === 'action');
    assert.equal(action?.reason, 'pizza is taking orders again');
    // The failed attempt is cancelled by its key, in case the provider still holds it.
    const [first] = sim.placements('pizza', order.id);
    assert.ok(sim.requests.some((r) => r.operation === 'cancelPlacement' && r.path === `/placements/${encodeURIComponent(first!.idempotencyKey)}/cancel`));
    assert.deepEqual(assertLegalStatuses(done.history).slice(0, 4), ['RECEIVED', 'DISPATCHED', 'ACTION_REQUIRED', 'DISPATCHED']);
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
    const confirmed = (await getOrder(api, order.id)).history.find((h: any) => h.kind === 'action');
    assert.deepEqual([confirmed.actor, confirmed.reason], [`customer:${order.customerId}`, 'quoted prices confirmed']);
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

  it('places nothing with providers before consumables are issued (the gate), then runs as usual', async () => {
    const { sim, api } = await given({ pizza: { behavior: { prices, latencyMs: 300 } } });
    const order = await submit(api, orderBody([PIZZA], { requiresGate: true }));
    const waiting = await waitForStatus(api, order.id, 'DISPATCHED');
    assert.deepEqual([waiting.gate, waiting.subOrders[0].status], ['closed', 'PENDING']);
    assert.match(waiting.history.at(-1).reason, /once consumables are issued \(gate closed\)/);
    // Past the task that dispatched it: no placement was sent, nor is one under way.
    const handle = testEnv().client.workflow.getHandle(order.workflowId);
    const { state } = await handle.query(stateQuery);
    assert.deepEqual(state.subOrders.map((s) => s.status), ['PENDING']);
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    assert.deepEqual(pending.map((a) => a.activityType?.name), []);
    assert.equal(sim.requests.filter((r) => r.operation === 'place').length, 0);

    const open = await request('POST', `${api}/orders/${order.id}/gate/open`, { json: { reason: 'stores issued the dough' }, headers: operatorAuth });
    assert.equal(open.status, 200, JSON.stringify(open.body));
    const done = await waitForStatus(api, order.id, 'COMPLETED');
    assert.equal(done.gate, 'open');
    assert.equal(sim.placements('pizza', order.id).length, 1);
    const opened = done.history.find((h: any) => h.kind === 'action');
    assert.deepEqual([opened.actor, opened.reason], ['operator:test-operator', 'stores issued the dough']);
    const placedAt = done.history.find((h: any) => h.reason === 'placed with pizza').seq;
    assert.ok(placedAt > opened.seq, 'placed only after the gate opened');
    assertLegalStatuses(done.history);
    await recordHistory('gate-placed-once-open', order.workflowId);
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
    await testEnv().client.workflow.getHandle(order.workflowId).result();
    const runs: { runId: string; status: string }[] = [];
    for await (const run of testEnv().client.workflow.list({ query: `WorkflowId = '${order.workflowId}'` })) runs.push({ runId: run.runId, status: run.status.name });
    assert.ok(runs.length >= 2, `expected continue-as-new, saw ${runs.length} run(s)`);
    assert.deepEqual(done.history.map((h: any) => h.seq), done.history.map((_: unknown, i: number) => i + 1));
    assert.equal(sim.placements('pizza', order.id).length, 1);
    assert.equal(sim.placements('sushi', order.id).length, 1);
    assert.deepEqual(done.subOrders.map((s: any) => s.status), ['DELIVERED', 'DELIVERED']);
    assertLegalStatuses(done.history);
    // Replays of both ends: the run that continued as new, and the last one, resumed from the carried state.
    const continued = runs.find((run) => run.status === 'CONTINUED_AS_NEW')!;
    await recordHistory('continued-as-new-first-run', order.workflowId, continued.runId);
    await recordHistory('continued-as-new-last-run', order.workflowId);
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
