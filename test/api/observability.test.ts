/**
 * What every request gets (src/api/observability.ts): a request id, one log line with the
 * route pattern, route-labelled metrics, no secrets in logs; plus health, readiness and
 * a graceful close.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import express from 'express';
import { createApp } from '../../src/api/app';
import { providerRegistry, providerRegistrySchema } from '../../src/config/providers';
import { DEFAULT_QUEUE_POLICY } from '../../src/domain/ops/queue';
import { listen, type RunningServer } from '../../src/api/server';
import { createPrisma } from '../../src/infra/database';
import { createMetrics } from '../../src/infra/metrics';
import { freePort } from '../../src/infra/ports';
import { testEnv } from '../harness/environment';
import { request } from '../harness/http';
import { orderBody } from '../harness/orders';
import { captureLogs, type CapturedLogs } from '../harness/logs';

async function startApp(logs: CapturedLogs, prisma = testEnv().prisma): Promise<RunningServer> {
  const app = createApp({
    // A provider on paper: orders are accepted (their workflows wait on a task queue nobody polls).
    providers: providerRegistry(providerRegistrySchema.parse([{ name: 'pizza', baseUrl: 'http://127.0.0.1:9', tracking: 'poll' }])),
    prisma,
    temporal: testEnv().client,
    logger: logs.logger,
    metrics: createMetrics(),
    taskQueue: 'unused',
    temporalUiUrl: 'http://temporal-ui.test',
    operators: new Map(),
    orderPolicy: { deadlineMs: 60_000, confirmationTimeoutMs: 60_000 },
    queuePolicy: DEFAULT_QUEUE_POLICY,
  });
  return listen(app, '127.0.0.1', 0);
}

describe('API observability (request ids, request logs, metrics, health)', () => {
  let logs: CapturedLogs;
  let server: RunningServer;
  beforeEach(async () => {
    logs = captureLogs();
    server = await startApp(logs);
  });
  afterEach(async () => {
    await server.close();
  });

  it('gives every request an id, honouring a sane incoming X-Request-Id, and echoes it', async () => {
    const generated = await request('GET', `${server.url}/healthz`);
    assert.match(generated.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    const honoured = await request('GET', `${server.url}/healthz`, { headers: { 'X-Request-Id': 'edge-42' } });
    assert.equal(honoured.headers.get('x-request-id'), 'edge-42');
    const replaced = await request('GET', `${server.url}/healthz`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    assert.match(replaced.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });

  it('logs one line per request with method, route pattern, status, duration and request id', async () => {
    const id = randomUUID();
    await request('GET', `${server.url}/orders/${id}`, { headers: { 'X-Request-Id': 'req-1' } });
    await request('GET', `${server.url}/no/such/route`, { headers: { 'X-Request-Id': 'req-2' } });
    const [found] = logs.lines((line) => line.reqId === 'req-1' && line.statusCode !== undefined);
    assert.ok(found, logs.text());
    assert.equal(found.method, 'GET');
    assert.equal(found.route, '/orders/:id');
    assert.equal(found.path, `/orders/${id}`);
    assert.equal(found.statusCode, 404);
    assert.equal(typeof found.durationMs, 'number');
    assert.equal(found.msg, 'GET /orders/:id 404');
    const [unknown] = logs.lines((line) => line.reqId === 'req-2' && line.statusCode !== undefined);
    assert.equal(unknown?.route, 'unmatched');
  });

  it('puts the order id on the request line of routes that know it', async () => {
    const submitted = await request('POST', `${server.url}/orders`, {
      headers: { 'X-Request-Id': 'submit-1' },
      json: orderBody([{ provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: '12.50' }]),
    });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    await request('GET', `${server.url}/orders/${submitted.body.id}`, { headers: { 'X-Request-Id': 'read-1', 'X-Customer-Id': submitted.body.customerId } });
    const line = (reqId: string) => logs.lines((entry) => entry.reqId === reqId && entry.statusCode !== undefined)[0];
    assert.equal(line('submit-1')?.msg, 'POST /orders 202');
    assert.equal(line('submit-1')?.orderId, submitted.body.id);
    assert.equal(line('read-1')?.orderId, submitted.body.id);
  });

  it('never logs credentials: Authorization, cookies, passwords, tokens', async () => {
    const secrets = ['Bearer s3cr3t-bearer-token', 'session=c00kie-secret', 'hunter2-password', 'tok-123-secret'];
    await request('POST', `${server.url}/orders`, {
      headers: { Authorization: secrets[0]!, Cookie: secrets[1]! },
      json: { customerId: '', password: secrets[2], token: secrets[3], items: [] },
    });
    // Whatever a developer passes to the logger, the same keys are censored.
    logs.logger.info({ password: secrets[2], user: { token: secrets[3] }, req: { headers: { authorization: secrets[0], cookie: secrets[1] } } }, 'careless');
    const text = logs.text();
    assert.ok(logs.lines((line) => line.route === '/orders' && line.statusCode === 400).length === 1, text);
    assert.match(text, /\[redacted\]/);
    for (const secret of secrets) assert.ok(!text.includes(secret), `"${secret}" reached the log:\n${text}`);
  });

  it('counts requests and latency at /metrics by method, route pattern and status, never by raw URL', async () => {
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) await request('GET', `${server.url}/orders/${id}`);
    await request('GET', `${server.url}/no/such/route/${ids[0]}`);
    const scrape = await request('GET', `${server.url}/metrics`);
    assert.equal(scrape.status, 200);
    const text: string = scrape.body;
    assert.match(text, /^http_server_requests_total\{method="GET",route="\/orders\/:id",status_code="404"\} 2$/m);
    assert.match(text, /^http_server_requests_total\{method="GET",route="unmatched",status_code="404"\} 1$/m);
    assert.match(text, /^http_server_request_duration_seconds_count\{method="GET",route="\/orders\/:id",status_code="404"\} 2$/m);
    assert.match(text, /^process_cpu_user_seconds_total /m, 'process metrics');
    for (const id of ids) assert.ok(!text.includes(id), 'a raw URL became a label');

    await request('GET', `${server.url}/orders/${randomUUID()}`);
    const again: string = (await request('GET', `${server.url}/metrics`)).body;
    assert.match(again, /^http_server_requests_total\{method="GET",route="\/orders\/:id",status_code="404"\} 3$/m);
  });

  it('labels requests refused before routing (malformed JSON, not JSON) with the route they were sent to', async () => {
    const malformed = await fetch(`${server.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'bad-json' }, body: '{"customerId":' });
    const form = await fetch(`${server.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=b' });
    const unknownMethod = await fetch(`${server.url}/orders`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{' });
    assert.deepEqual([malformed.status, form.status, unknownMethod.status], [400, 415, 400]);
    const text: string = (await request('GET', `${server.url}/metrics`)).body;
    assert.match(text, /^http_server_requests_total\{method="POST",route="\/orders",status_code="400"\} 1$/m);
    assert.match(text, /^http_server_requests_total\{method="POST",route="\/orders",status_code="415"\} 1$/m);
    // No PUT route exists there: still unmatched.
    assert.match(text, /^http_server_requests_total\{method="PUT",route="unmatched",status_code="400"\} 1$/m);
    const [line] = logs.lines((entry) => entry.reqId === 'bad-json' && entry.statusCode !== undefined);
    assert.equal(line?.route, '/orders');
  });

  it('answers /healthz, and /readyz 200 when Temporal and PostgreSQL answer', async () => {
    assert.deepEqual((await request('GET', `${server.url}/healthz`)).body, { status: 'ok' });
    const ready = await request('GET', `${server.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: 'ready', checks: { temporal: { status: 'up' }, database: { status: 'up' } } });
  });

  it('answers /readyz 503 naming the database when PostgreSQL is unreachable', async () => {
    const unreachable = createPrisma(`postgresql://nobody:x@127.0.0.1:${await freePort()}/nothing`);
    const broken = await startApp(logs, unreachable);
    try {
      const response = await request('GET', `${broken.url}/readyz`);
      assert.equal(response.status, 503);
      assert.equal(response.body.status, 'not_ready');
      assert.deepEqual(response.body.checks.temporal, { status: 'up' });
      assert.equal(response.body.checks.database.status, 'down');
      // Prisma's messages start with a blank line: the reason is the first line with text.
      assert.match(response.body.checks.database.error, /\S/);
      assert.equal((await request('GET', `${broken.url}/healthz`)).status, 200, 'still alive, just not ready');
      // A request needing the database answers 503 + Retry-After (repeatable), not 500.
      const orders = await request('GET', `${broken.url}/orders`, { headers: { 'x-customer-id': 'c' } });
      assert.deepEqual([orders.status, orders.body.error.code, orders.headers.get('retry-after')], [503, 'unavailable', '2']);
    } finally {
      await broken.close();
      await unreachable.$disconnect();
    }
  });
});

describe('graceful close of the HTTP server', () => {
  it('finishes a request in flight, then stops accepting connections', async () => {
    const app = express();
    app.get('/slow', (_req, res) => void setTimeout(() => res.json({ finished: true }), 400));
    const server = await listen(app, '127.0.0.1', 0);
    const inFlight = request('GET', `${server.url}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closeStarted = Date.now();
    const closing = server.close();
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { finished: true });
    await closing;
    assert.ok(Date.now() - closeStarted < 1_500, 'closed soon after the last response, not after the keep-alive timeout');
    await assert.rejects(fetch(`${server.url}/slow`));
  });
});
