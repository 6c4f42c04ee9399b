/** What one client may send: JSON only, up to the body limit, at a bounded rate; each refusal in the error shape. */
import assert from 'node:assert/strict';
import { limitsFromConfig } from '../../src/api/limits';
import { listen, type RunningServer } from '../../src/api/server';
import { apiConfigSchema, parseConfig } from '../../src/config';
import { request, type JsonResponse } from '../harness/http';
import { appWithoutBackends } from '../harness/routes';

const OPERATOR = { authorization: 'Bearer test-operator-token-0123456789' };

function assertError(response: JsonResponse, status: number, code: string): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  assert.equal(response.body.error.code, code);
  assert.equal(typeof response.body.error.message, 'string');
}

describe('request limits (body size, content type, rate)', () => {
  let server: RunningServer;
  before(async () => {
    const app = appWithoutBackends({ limits: { bodyLimitBytes: 2048, rateLimit: { max: 3, windowMs: 60_000 } } });
    server = await listen(app, '127.0.0.1', 0);
  });
  after(async () => server.close());

  it('refuses a body over the limit with 413 before any route sees it', async () => {
    const response = await request('POST', `${server.url}/orders`, { json: { customerId: 'x'.repeat(4096) }, headers: { 'x-customer-id': 'big' } });
    assertError(response, 413, 'payload_too_large');
    assert.equal(response.body.error.details.limitBytes, 2048);
  });

  it('refuses bodies that are not JSON with 415, whatever the route', async () => {
    for (const [type, body] of [
      ['text/plain', '{"customerId":"c"}'],
      ['application/x-www-form-urlencoded', 'customerId=c'],
      ['multipart/form-data; boundary=x', '--x--'],
    ] as const) {
      const response = await request('POST', `${server.url}/providers/pizza/events`, { body, headers: { 'content-type': type, 'x-customer-id': 'types' } });
      assertError(response, 415, 'unsupported_media_type');
    }
  });

  it('limits each client separately, answering 429 with Retry-After; probes are never limited', async () => {
    const get = (headers: Record<string, string>) => request('GET', `${server.url}/openapi.json`, { headers });
    for (let i = 0; i < 3; i++) assert.equal((await get({ 'x-customer-id': 'greedy' })).status, 200);
    const limited = await get({ 'x-customer-id': 'greedy' });
    assertError(limited, 429, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1, 'Retry-After');
    assert.ok(limited.body.error.details.retryAfterSeconds >= 1);
    assert.equal((await get({ 'x-customer-id': 'patient' })).status, 200, 'another customer has their own budget');
    assert.equal((await get(OPERATOR)).status, 200, 'an operator has their own budget');
    for (let i = 0; i < 5; i++) assert.equal((await request('GET', `${server.url}/healthz`)).status, 200);
  });

  it('reads the limits from the environment (API_BODY_LIMIT_BYTES, RATE_LIMIT_MAX, RATE_LIMIT_WINDOW_SECONDS, API_TRUST_PROXY)', () => {
    const base = { TEMPORAL_ADDRESS: 'localhost:7233', DATABASE_URL: 'postgres://u@h/db' };
    const defaults = parseConfig(apiConfigSchema, base);
    assert.deepEqual(limitsFromConfig(defaults), { bodyLimitBytes: 262_144, rateLimit: { max: 1200, windowMs: 60_000 } });
    assert.equal(defaults.API_TRUST_PROXY, undefined);
    const set = parseConfig(apiConfigSchema, { ...base, API_BODY_LIMIT_BYTES: '65536', RATE_LIMIT_MAX: '0', RATE_LIMIT_WINDOW_SECONDS: '10', API_TRUST_PROXY: '1' });
    assert.deepEqual(limitsFromConfig(set), { bodyLimitBytes: 65_536, rateLimit: { max: 0, windowMs: 10_000 } });
    assert.equal(set.API_TRUST_PROXY, 1);
    assert.equal(parseConfig(apiConfigSchema, { ...base, API_TRUST_PROXY: 'loopback,10.0.0.0/8' }).API_TRUST_PROXY, 'loopback,10.0.0.0/8');
    assert.throws(() => parseConfig(apiConfigSchema, { ...base, RATE_LIMIT_MAX: '-1' }), /RATE_LIMIT_MAX/);
  });
});
