/** Outbound HTTP (src/infra/http-client.ts) against a real local server: log line, metrics, failures. */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient } from '../../src/infra/http-client';
import { createMetrics } from '../../src/infra/metrics';
import { freePort } from '../../src/infra/ports';
import { captureLogs } from '../harness/logs';

describe('outbound HTTP client (for provider and accrual adapters)', () => {
  let server: http.Server;
  let base: string;
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url?.startsWith('/slow')) return void setTimeout(() => res.end('late'), 1_000);
      res.writeHead(req.url?.startsWith('/busy') ? 429 : 200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('logs method, host and path, status and duration (no query string), and records latency by target', async () => {
    const logs = captureLogs();
    const metrics = createMetrics({ processMetrics: false });
    const call = createHttpClient({ target: 'accrual', logger: logs.logger, metrics });
    const ok = await call(`${base}/api/orders/79927398713?apiKey=sekret`, { headers: { Authorization: 'Bearer sekret' } });
    assert.deepEqual(await ok.json(), { ok: true });
    const busy = await call(`${base}/busy`, { method: 'post' });
    assert.equal(busy.status, 429, 'any response is the caller’s to interpret');

    const [first, second] = logs.lines((line) => line.target === 'accrual');
    assert.deepEqual(
      { method: first!.method, host: first!.host, path: first!.path, statusCode: first!.statusCode },
      { method: 'GET', host: new URL(base).host, path: '/api/orders/79927398713', statusCode: 200 },
    );
    assert.equal(typeof first!.durationMs, 'number');
    assert.equal(second!.method, 'POST');
    assert.equal(second!.statusCode, 429);
    assert.ok(!logs.text().includes('sekret'), logs.text());

    const text = await metrics.registry.metrics();
    assert.match(text, /^http_client_request_duration_seconds_count\{target="accrual",method="GET",status_code="200"\} 1$/m);
    assert.match(text, /^http_client_request_duration_seconds_count\{target="accrual",method="POST",status_code="429"\} 1$/m);
  });

  it('throws on connection failures and timeouts, after logging and counting them as `error`', async () => {
    const logs = captureLogs();
    const metrics = createMetrics({ processMetrics: false });
    const call = createHttpClient({ target: 'provider:pizza', logger: logs.logger, metrics, timeoutMs: 200 });
    await assert.rejects(call(`http://127.0.0.1:${await freePort()}/orders`));
    await assert.rejects(call(`${base}/slow`), /timeout|aborted/i);
    const failures = logs.lines((line) => line.target === 'provider:pizza' && line.level === 40);
    assert.equal(failures.length, 2);
    assert.ok(failures.every((line) => line.err && line.statusCode === undefined));
    assert.match(await metrics.registry.metrics(), /^http_client_request_duration_seconds_count\{target="provider:pizza",method="GET",status_code="error"\} 2$/m);
  });
});
