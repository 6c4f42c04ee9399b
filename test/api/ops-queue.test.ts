/**
 * The work queue over HTTP against the real PostgreSQL: who may call it, oldest-first
 * assignment, the in-flight cap, leases that lapse back to the queue, operator load,
 * and — with many operators asking at once — never one order for two operators.
 * Orders are read-model rows inserted here, dated long ago so they are the oldest in
 * the shared database and come out of the queue first.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createApp } from '../../src/api/app';
import { listen, type RunningServer } from '../../src/api/server';
import { DEFAULT_QUEUE_POLICY, type QueuePolicy } from '../../src/domain/ops/queue';
import { createMetrics } from '../../src/infra/metrics';
import { testEnv } from '../harness/environment';
import { request } from '../harness/http';

const OPERATORS = Array.from({ length: 20 }, (_, i) => `op${String(i).padStart(2, '0')}`);
const tokenOf = (name: string) => `${name}-queue-test-token-0123456789`;
const as = (name: string) => ({ authorization: `Bearer ${tokenOf(name)}` });

async function startApp(policy: Partial<QueuePolicy> = {}): Promise<RunningServer> {
  const app = createApp({
    prisma: testEnv().prisma,
    temporal: testEnv().client,
    logger: testEnv().logger,
    metrics: createMetrics(),
    taskQueue: 'unused',
    temporalUiUrl: 'http://temporal-ui.test',
    providers: new Map(),
    operators: new Map(OPERATORS.map((name) => [tokenOf(name), name])),
    orderPolicy: { deadlineMs: 60_000, confirmationTimeoutMs: 60_000 },
    queuePolicy: { ...DEFAULT_QUEUE_POLICY, maxInFlight: 2, ...policy },
  });
  return listen(app, '127.0.0.1', 0);
}

describe('work queue API (/ops)', function () {
  this.timeout(60_000);
  let server: RunningServer;
  const created: string[] = [];
  let epoch = Date.parse('1990-01-01T00:00:00Z');

  /** An order needing a human, older than everything else in the database (later calls are newer). */
  async function queuedOrder(status = 'ACTION_REQUIRED'): Promise<string> {
    const id = randomUUID();
    epoch += 60_000;
    await testEnv().prisma.order.create({
      data: { id, workflowId: `order-${id}`, customerId: 'queue-test', status, requestHash: 'h', request: {}, createdAt: new Date(epoch), updatedAt: new Date(epoch) },
    });
    created.push(id);
    return id;
  }

  beforeEach(async () => {
    server = await startApp();
  });
  afterEach(async () => {
    await server.close();
    await testEnv().prisma.order.deleteMany({ where: { id: { in: created.splice(0) } } });
  });

  it('answers 401 to callers without an operator token', async () => {
    const calls: [string, string][] = [
      ['GET', '/ops/session'],
      ['GET', '/ops/queue'],
      ['POST', '/ops/queue/next'],
      ['POST', `/ops/queue/${randomUUID()}/renew`],
      ['POST', `/ops/queue/${randomUUID()}/release`],
      ['POST', `/ops/queue/${randomUUID()}/done`],
      ['GET', '/ops/operators'],
    ];
    const strangers: Record<string, string>[] = [{}, { authorization: 'Bearer not-a-real-operator-token' }, { 'x-customer-id': 'c-1' }];
    for (const [method, path] of calls) {
      for (const headers of strangers) {
        const res = await request(method, `${server.url}${path}`, { headers });
        assert.equal(res.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
        assert.equal(res.body.error.code, 'unauthorized');
      }
    }
    const me = await request('GET', `${server.url}/ops/session`, { headers: as('op01') });
    assert.equal(me.body.operator, 'op01');
    assert.ok(me.body.statuses.includes('ACTION_REQUIRED'));
  });

  it('hands out the oldest item first, caps what one operator holds, and takes back released items', async () => {
    const [oldest, second, third] = [await queuedOrder(), await queuedOrder('AWAITING_CONFIRMATION'), await queuedOrder()];
    const a1 = await request('POST', `${server.url}/ops/queue/next`, { headers: as('op01') });
    assert.equal(a1.status, 201);
    assert.deepEqual([a1.body.orderId, a1.body.operator, a1.body.reason, a1.body.state], [oldest, 'op01', 'action_required', 'active']);
    const b1 = await request('POST', `${server.url}/ops/queue/next`, { headers: as('op02') });
    assert.deepEqual([b1.body.orderId, b1.body.reason], [second, 'stuck']);
    const a2 = await request('POST', `${server.url}/ops/queue/next`, { headers: as('op01') });
    assert.equal(a2.body.orderId, third);

    const capped = await request('POST', `${server.url}/ops/queue/next`, { headers: as('op01') });
    assert.equal(capped.status, 409);
    assert.deepEqual([capped.body.error.code, capped.body.error.details], ['cap_reached', { held: 2, maxInFlight: 2 }]);

    const queue = await request('GET', `${server.url}/ops/queue`, { headers: as('op01') });
    assert.deepEqual(queue.body.mine.map((a: any) => a.orderId), [oldest, third]);
    assert.ok(!queue.body.waiting.some((w: any) => [oldest, second, third].includes(w.orderId)), 'held items are not waiting');

    const notYours = await request('POST', `${server.url}/ops/queue/${a1.body.id}/release`, { headers: as('op02') });
    assert.deepEqual([notYours.status, notYours.body.error.code], [403, 'not_your_assignment']);
    const released = await request('POST', `${server.url}/ops/queue/${a1.body.id}/release`, { headers: as('op01') });
    assert.deepEqual([released.status, released.body.state], [200, 'released']);
    const again = await request('POST', `${server.url}/ops/queue/${a1.body.id}/done`, { headers: as('op01') });
    assert.deepEqual([again.status, again.body.error.code], [409, 'assignment_closed']);

    const c1 = await request('POST', `${server.url}/ops/queue/next`, { headers: as('op03') });
    assert.equal(c1.body.orderId, oldest, 'a released item is back at the front');
  });

  it('finishes items: done ones stay out of the queue, and operator load shows held, done and time to handle', async () => {
    const order = await queuedOrder();
    const a = await request('POST', `${server.url}/ops/queue/next`, { headers: as('op04') });
    assert.equal(a.body.orderId, order);
    const renewed = await request('POST', `${server.url}/ops/queue/${a.body.id}/renew`, { headers: as('op04') });
    assert.ok(Date.parse(renewed.body.leaseUntil) >= Date.parse(a.body.leaseUntil));
    const done = await request('POST', `${server.url}/ops/queue/${a.body.id}/done`, { headers: as('op04') });
    assert.deepEqual([done.status, done.body.state], [200, 'done']);

    const next = await request('POST', `${server.url}/ops/queue/next`, { headers: as('op05') });
    assert.notEqual(next.body?.orderId, order, 'an order marked done does not come straight back');

    const load = await request('GET', `${server.url}/ops/operators`, { headers: as('op04') });
    assert.equal(load.status, 200);
    const op04 = load.body.operators.find((o: any) => o.operator === 'op04');
    assert.equal(op04.done, 1);
    assert.equal(op04.active, 0);
    assert.equal(typeof op04.avgHandleSeconds, 'number');
    assert.ok(load.body.operators.some((o: any) => o.operator === 'op19' && o.done === 0), 'every configured operator is listed');
  });

  it('returns an item whose lease lapsed to the queue; its old holder can no longer finish it', async () => {
    await server.close();
    server = await startApp({ leaseMs: 300 });
    const order = await queuedOrder();
    const first = await request('POST', `${server.url}/ops/queue/next`, { headers: as('op06') });
    assert.equal(first.body.orderId, order);
    await new Promise((r) => setTimeout(r, 500));
    const second = await request('POST', `${server.url}/ops/queue/next`, { headers: as('op07') });
    assert.deepEqual([second.body.orderId, second.body.operator], [order, 'op07']);
    const late = await request('POST', `${server.url}/ops/queue/${first.body.id}/done`, { headers: as('op06') });
    assert.deepEqual([late.status, late.body.error.code], [409, 'assignment_closed']);
    const history = await testEnv().prisma.queueAssignment.findMany({ where: { orderId: order }, orderBy: { assignedAt: 'asc' } });
    assert.deepEqual(history.map((h) => [h.operator, h.state]), [['op06', 'expired'], ['op07', 'active']]);
  });

  it('flags stuck orders in the orders list and filters on them (the same rule as the queue)', async () => {
    const stuckOne = await queuedOrder('DISPATCHED');
    const fresh = randomUUID();
    await testEnv().prisma.order.create({ data: { id: fresh, workflowId: `order-${fresh}`, customerId: 'queue-test', status: 'DISPATCHED', requestHash: 'h', request: {} } });
    created.push(fresh);
    const list = async (query: string) =>
      (await request('GET', `${server.url}/orders?customerId=queue-test${query}`, { headers: as('op08') })).body.orders.map((o: any) => [o.id, o.stuck]);
    assert.deepEqual(await list('&stuck=true'), [[stuckOne, true]]);
    assert.deepEqual(await list('&stuck=false'), [[fresh, false]]);
    assert.deepEqual(await list(''), [[fresh, false], [stuckOne, true]]);
  });

  it('PostgreSQL itself refuses a second active assignment for one order', async () => {
    const order = await queuedOrder();
    const row = () => ({ id: randomUUID(), orderId: order, operator: randomUUID(), reason: 'stuck', state: 'active', leaseUntil: new Date(Date.now() + 60_000) });
    await testEnv().prisma.queueAssignment.create({ data: row() });
    await assert.rejects(testEnv().prisma.queueAssignment.create({ data: row() }), /Unique constraint/i);
  });

  it('20 operators asking at once never get the same order, and none holds more than the cap', async () => {
    const orders = new Set<string>();
    for (let i = 0; i < 25; i++) orders.add(await queuedOrder(i % 2 ? 'ACTION_REQUIRED' : 'DISPATCHED'));
    // Each operator asks three times at once: 60 concurrent requests for 40 slots.
    const answers = await Promise.all(OPERATORS.flatMap((name) => [1, 2, 3].map(() => request('POST', `${server.url}/ops/queue/next`, { headers: as(name) }))));
    const assigned = answers.filter((a) => a.status === 201).map((a) => a.body);
    assert.ok(answers.every((a) => [201, 204, 409].includes(a.status)), JSON.stringify(answers.map((a) => a.status)));
    const ids = assigned.map((a) => a.orderId);
    assert.equal(new Set(ids).size, ids.length, 'an order was assigned twice');
    for (const name of OPERATORS) assert.ok(assigned.filter((a) => a.operator === name).length <= 2, `${name} holds more than the cap`);
    for (const id of orders) assert.ok(ids.includes(id), 'every waiting item was handed out (they are the oldest)');
    assert.equal(answers.filter((a) => a.status === 409).length, 60 - assigned.length - answers.filter((a) => a.status === 204).length);
    const active = await testEnv().prisma.queueAssignment.groupBy({ by: ['orderId'], where: { state: 'active' }, _count: true });
    assert.ok(active.every((g) => g._count === 1));
  });
});
