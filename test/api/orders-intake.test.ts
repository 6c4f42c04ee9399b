import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { testEnv } from '../harness/environment';
import { request } from '../harness/http';
import { startProviders, type SimulatedProviders } from '../harness/providers';
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

  it('refuses a reused Idempotency-Key with a different body (409) and changes nothing', async () => {
    const key = randomUUID();
    const first = await request('POST', `${services.apiUrl}/orders`, { json: validOrder(), headers: { 'Idempotency-Key': key } });
    const other = validOrder();
    const conflict = await request('POST', `${services.apiUrl}/orders`, { json: other, headers: { 'Idempotency-Key': key } });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error.code, 'idempotency_conflict');
    assert.equal(conflict.body.error.details.orderId, first.body.id);
    assert.equal(await testEnv().prisma.order.count({ where: { customerId: other.customerId } }), 0);
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
