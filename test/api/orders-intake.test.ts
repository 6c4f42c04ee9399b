import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Client, type WorkflowClientInterceptor } from '@temporalio/client';
import { listen, type RunningServer } from '../../src/api/server';
import { providerRegistry, providerRegistrySchema } from '../../src/config/providers';
import { testEnv } from '../harness/environment';
import { request } from '../harness/http';
import { waitForStatus } from '../harness/orders';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { appWithoutBackends } from '../harness/routes';
import { operatorAuth, startServices, type TestServices } from '../harness/services';

const validOrder = (customerId = `customer-${randomUUID()}`) => ({
  customerId,
  items: [{ provider: 'pizza', sku: 'margherita', quantity: 2, unitPrice: '12.50' }],
  delivery: { address: '1 Main Street' },
});

describe('order intake (POST /orders, GET /orders/:id)', () => {
  let services: TestServices;
  let providers: SimulatedProviders;
  before(async () => {
    providers = await startProviders({ pizza: { behavior: { prices: { margherita: 1250 }, stepMs: null } } });
    services = await startServices({ providers: providers.configs });
  });
  after(async () => {
    await services.stop();
    await providers.simulator.stop();
  });

  it('accepts an order, runs its workflow, and serves it from the read model with a Temporal UI link', async () => {
    const submitted = await request('POST', `${services.apiUrl}/orders`, { json: validOrder() });
    assert.equal(submitted.status, 202);
    assert.match(submitted.body.id, /^[0-9a-f-]{36}$/);
    assert.equal(submitted.body.workflowId, `order-${submitted.body.id}`);

    // The workflow, not the API, writes the projection from here on.
    const handle = testEnv().client.workflow.getHandle(submitted.body.workflowId);
    assert.equal((await handle.describe()).status.name, 'RUNNING');

    const fetched = await request('GET', `${services.apiUrl}/orders/${submitted.body.id}`, {
      headers: { 'x-customer-id': submitted.body.customerId },
    });
    assert.equal(fetched.status, 200);
    assert.equal(fetched.body.number, submitted.body.number);
    assert.deepEqual(fetched.body.items, validOrder().items);
    assert.deepEqual(fetched.body.delivery, { address: '1 Main Street' });
    assert.equal(
      fetched.body.links.temporalUi,
      `http://temporal-ui.test/namespaces/default/workflows/order-${submitted.body.id}`,
    );
  });

  it('numbers orders with strictly increasing numbers', async () => {
    const numbers: number[] = [];
    for (let i = 0; i < 3; i++) numbers.push((await request('POST', `${services.apiUrl}/orders`, { json: validOrder() })).body.number);
    assert.ok(numbers[0]! < numbers[1]! && numbers[1]! < numbers[2]!, `not increasing: ${numbers}`);
  });

  it('treats a repeated request with the same Idempotency-Key as the same order', async () => {
    const key = randomUUID();
    const body = validOrder();
    const first = await request('POST', `${services.apiUrl}/orders`, { json: body, headers: { 'Idempotency-Key': key } });
    const again = await Promise.all(
      [1, 2, 3].map(() => request('POST', `${services.apiUrl}/orders`, { json: body, headers: { 'Idempotency-Key': key } })),
    );
    assert.equal(first.status, 202);
    for (const response of again) {
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('idempotent-replayed'), 'true');
      assert.equal(response.body.id, first.body.id);
      assert.equal(response.body.number, first.body.number);
    }
    const rows = await testEnv().prisma.order.count({ where: { customerId: body.customerId } });
    assert.equal(rows, 1);
    const runs = testEnv().client.workflow.list({ query: `WorkflowId = '${first.body.workflowId}'` });
    let count = 0;
    for await (const _ of runs) count++;
    assert.equal(count, 1);
  });

  it('refuses a reused Idempotency-Key with a different body (409), naming no order, and changes nothing', async () => {
    const key = randomUUID();
    const body = validOrder();
    const first = await request('POST', `${services.apiUrl}/orders`, { json: body, headers: { 'Idempotency-Key': key } });
    const changed = { ...body, items: [{ ...body.items[0]!, quantity: 3 }] };
    const conflict = await request('POST', `${services.apiUrl}/orders`, { json: changed, headers: { 'Idempotency-Key': key } });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error.code, 'idempotency_conflict');
    assert.ok(!JSON.stringify(conflict.body).includes(first.body.id), 'the conflict names no order');
    const rows = await testEnv().prisma.order.findMany({ where: { customerId: body.customerId }, include: { items: true } });
    assert.deepEqual(rows.map((row) => [row.id, row.items[0]!.quantity]), [[first.body.id, 2]]);
  });

  it('scopes keys per customer: another customer using the same key gets an order of their own and learns nothing', async () => {
    const key = `shared-${randomUUID()}`;
    const alice = await request('POST', `${services.apiUrl}/orders`, { json: validOrder(), headers: { 'Idempotency-Key': key } });
    const bobBody = { ...validOrder(), items: [{ provider: 'pizza', sku: 'margherita', quantity: 5, unitPrice: '12.50' }] };
    const bob = await request('POST', `${services.apiUrl}/orders`, { json: bobBody, headers: { 'Idempotency-Key': key } });
    assert.equal(alice.status, 202);
    assert.equal(bob.status, 202, JSON.stringify(bob.body));
    assert.notEqual(bob.body.id, alice.body.id);
    assert.ok(!JSON.stringify(bob.body).includes(alice.body.id), "the answer names nothing of the other customer's");
    const again = await request('POST', `${services.apiUrl}/orders`, { json: bobBody, headers: { 'Idempotency-Key': key } });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, bob.body.id, "a repeat finds the customer's own order");
    const rows = await testEnv().prisma.order.findMany({ where: { idempotencyKey: key }, orderBy: { number: 'asc' } });
    assert.deepEqual(rows.map((row) => [row.customerId, row.id]), [
      [alice.body.customerId, alice.body.id],
      [bobBody.customerId, bob.body.id],
    ]);
  });

  it('takes clientOrderId as the key, the same as the header; the two differing is a 422 that creates nothing', async () => {
    const body = { ...validOrder(), clientOrderId: `client-${randomUUID()}` };
    const byBody = await request('POST', `${services.apiUrl}/orders`, { json: body });
    const byBoth = await request('POST', `${services.apiUrl}/orders`, { json: body, headers: { 'Idempotency-Key': body.clientOrderId } });
    assert.equal(byBody.status, 202);
    assert.equal(byBoth.status, 200);
    assert.equal(byBoth.body.id, byBody.body.id);

    const mismatch = await request('POST', `${services.apiUrl}/orders`, { json: body, headers: { 'Idempotency-Key': randomUUID() } });
    assert.equal(mismatch.status, 422);
    assert.equal(mismatch.body.error.code, 'idempotency_key_mismatch');
    assert.equal(mismatch.body.error.details.clientOrderId, body.clientOrderId);
    assert.equal(await testEnv().prisma.order.count({ where: { customerId: body.customerId } }), 1);
  });

  it('refuses keys in the point-of-sale devices\' namespace (400)', async () => {
    const body = validOrder();
    const byHeader = await request('POST', `${services.apiUrl}/orders`, { json: body, headers: { 'Idempotency-Key': 'device:till-1:42' } });
    assert.equal(byHeader.status, 400);
    assert.equal(byHeader.body.error.details.fields[0].path, 'Idempotency-Key');
    const byBody = await request('POST', `${services.apiUrl}/orders`, { json: { ...body, clientOrderId: 'device:till-1:42' } });
    assert.equal(byBody.status, 400);
    assert.equal(byBody.body.error.details.fields[0].path, 'clientOrderId');
    assert.equal(await testEnv().prisma.order.count({ where: { customerId: body.customerId } }), 0);
  });

  it('rejects malformed JSON with 400 malformed_json', async () => {
    const response = await request('POST', `${services.apiUrl}/orders`, {
      body: '{"customerId": ',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'malformed_json');
  });

  it('rejects a body failing the schema with 400 and the offending fields, creating nothing', async () => {
    const customerId = `customer-${randomUUID()}`;
    const response = await request('POST', `${services.apiUrl}/orders`, {
      json: { customerId, items: [{ provider: '', sku: 'x', quantity: -1 }] },
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.error.code, 'validation_failed');
    const paths = response.body.error.details.fields.map((f: { path: string }) => f.path).sort();
    assert.deepEqual(paths, ['delivery', 'items.0.provider', 'items.0.quantity']);
    assert.equal(await testEnv().prisma.order.count({ where: { customerId } }), 0);
  });

  it('refuses unknown providers and amounts that could lose cents, naming the fields', async () => {
    const response = await request('POST', `${services.apiUrl}/orders`, {
      json: { ...validOrder(), items: [{ provider: 'nobody', sku: 'x', quantity: 1 }, { provider: 'pizza', sku: 'y', quantity: 1, unitPrice: '1.005' }] },
    });
    assert.equal(response.status, 400);
    assert.deepEqual(response.body.error.details.fields.map((f: { path: string }) => f.path), ['items.1.unitPrice']);
    const unknown = await request('POST', `${services.apiUrl}/orders`, {
      json: { ...validOrder(), items: [{ provider: 'nobody', sku: 'x', quantity: 1 }] },
    });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.details.fields[0].path, 'items.0.provider');
  });

  it('shows an order only to its customer and to operators', async () => {
    const order = (await request('POST', `${services.apiUrl}/orders`, { json: validOrder() })).body;
    const anonymous = await request('GET', `${services.apiUrl}/orders/${order.id}`);
    assert.equal(anonymous.status, 401);
    const stranger = await request('GET', `${services.apiUrl}/orders/${order.id}`, { headers: { 'x-customer-id': 'someone-else' } });
    assert.equal(stranger.status, 403);
    const badToken = await request('GET', `${services.apiUrl}/orders/${order.id}`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(badToken.status, 401);
    const operator = await request('GET', `${services.apiUrl}/orders/${order.id}`, { headers: operatorAuth });
    assert.equal(operator.status, 200);
  });

  it('answers 404 for an unknown order and 400 for a malformed id', async () => {
    const unknown = await request('GET', `${services.apiUrl}/orders/${randomUUID()}`, { headers: operatorAuth });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'not_found');
    const malformed = await request('GET', `${services.apiUrl}/orders/not-a-uuid`, { headers: operatorAuth });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'validation_failed');
  });
});

describe('order intake when the workflow start fails', () => {
  let services: TestServices;
  let providers: SimulatedProviders;
  const servers: RunningServer[] = [];
  before(async () => {
    providers = await startProviders({ pizza: { behavior: { prices: { margherita: 1250 }, stepMs: null } } });
    services = await startServices({ providers: providers.configs });
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await services.stop();
    await providers.simulator.stop();
  });

  /** The real API on the test's database and worker, talking to Temporal through `temporal`. */
  async function apiThrough(temporal: Client): Promise<string> {
    const app = appWithoutBackends({
      prisma: testEnv().prisma,
      temporal,
      taskQueue: services.taskQueue,
      providers: providerRegistry(providerRegistrySchema.parse(providers.configs)),
      orderPolicy: { deadlineMs: 60 * 60_000, confirmationTimeoutMs: 60 * 60_000 },
    });
    const server = await listen(app, '127.0.0.1', 0);
    servers.push(server);
    return server.url;
  }
  /** Temporal refuses every start: the namespace does not exist. */
  const refusingTemporal = () => new Client({ connection: testEnv().client.connection, namespace: `missing-${randomUUID()}` });
  /** Temporal takes the start, but its answer never reaches the API. */
  const loseStartAnswers: WorkflowClientInterceptor = {
    async startWithDetails(input, next) {
      await next(input);
      throw new Error('connection reset before the answer arrived');
    },
  };

  it('without a key: answers 503 order_not_accepted and keeps no row of the order', async () => {
    const apiUrl = await apiThrough(refusingTemporal());
    const body = validOrder();
    const response = await request('POST', `${apiUrl}/orders`, { json: body });
    assert.equal(response.status, 503, JSON.stringify(response.body));
    assert.equal(response.body.error.code, 'order_not_accepted');
    assert.equal(response.headers.get('retry-after'), '2');
    assert.equal(await testEnv().prisma.order.count({ where: { customerId: body.customerId } }), 0, 'no orphan RECEIVED row');
  });

  it('with a key: keeps the row, so the retry (same key) gets that same order started', async () => {
    const body = validOrder();
    const key = randomUUID();
    const failed = await request('POST', `${await apiThrough(refusingTemporal())}/orders`, { json: body, headers: { 'Idempotency-Key': key } });
    assert.ok(failed.status >= 500, `answered ${failed.status}`);
    const [row] = await testEnv().prisma.order.findMany({ where: { customerId: body.customerId } });
    assert.ok(row, 'the intake row is kept for the retry');
    const retried = await request('POST', `${services.apiUrl}/orders`, { json: body, headers: { 'Idempotency-Key': key } });
    assert.equal(retried.status, 200);
    assert.equal(retried.body.id, row.id);
    assert.equal(retried.body.number, Number(row.number));
    await waitForStatus(services.apiUrl, row.id, 'DISPATCHED');
  });

  it('without a key, a start whose answer was lost is still an accepted order (202), not withdrawn', async () => {
    const temporal = new Client({ connection: testEnv().client.connection, namespace: testEnv().namespace, interceptors: { workflow: [loseStartAnswers] } });
    const body = validOrder();
    const response = await request('POST', `${await apiThrough(temporal)}/orders`, { json: body });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    assert.equal((await testEnv().client.workflow.getHandle(response.body.workflowId).describe()).status.name, 'RUNNING');
    await waitForStatus(services.apiUrl, response.body.id, 'DISPATCHED');
    assert.equal(await testEnv().prisma.order.count({ where: { customerId: body.customerId } }), 1);
  });
});
