import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { testEnv } from '../harness/environment';
import { request } from '../harness/http';
import { startServices, type TestServices } from '../harness/services';

const validOrder = (customerId = `customer-${randomUUID()}`) => ({
  customerId,
  items: [{ provider: 'pizza', sku: 'margherita', quantity: 2 }],
});

describe('order intake (POST /orders, GET /orders/:id)', () => {
  let services: TestServices;
  before(async () => {
    services = await startServices();
  });
  after(async () => {
    await services.stop();
  });

  it('accepts an order, runs its workflow, and serves it from the read model with a Temporal UI link', async () => {
    const submitted = await request('POST', `${services.apiUrl}/orders`, { json: validOrder() });
    assert.equal(submitted.status, 202);
    assert.match(submitted.body.id, /^[0-9a-f-]{36}$/);
    assert.equal(submitted.body.workflowId, `order-${submitted.body.id}`);

    // The workflow, not the API, writes the projection: wait for it and check the row moved to version 1.
    await testEnv().client.workflow.getHandle(submitted.body.workflowId).result();
    const row = await testEnv().prisma.order.findUniqueOrThrow({ where: { id: submitted.body.id } });
    assert.equal(row.version, 1);

    const fetched = await request('GET', `${services.apiUrl}/orders/${submitted.body.id}`);
    assert.equal(fetched.status, 200);
    assert.equal(fetched.body.number, submitted.body.number);
    assert.equal(fetched.body.status, 'RECEIVED');
    assert.deepEqual(fetched.body.items, validOrder().items);
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
    assert.deepEqual(paths, ['items.0.provider', 'items.0.quantity']);
    assert.equal(await testEnv().prisma.order.count({ where: { customerId } }), 0);
  });

  it('answers 404 for an unknown order and 400 for a malformed id', async () => {
    const unknown = await request('GET', `${services.apiUrl}/orders/${randomUUID()}`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'not_found');
    const malformed = await request('GET', `${services.apiUrl}/orders/not-a-uuid`);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'validation_failed');
  });
});
