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
  const limits = { bodyLimitBytes: 2048, rateLimit: { max: 3, windowMs: 60_000 } };
  /** Body and type checks, unlimited rate (every request comes from 127.0.0.1). */
  let bodies: RunningServer;
  /** Behind a trusted proxy on loopback: X-Forwarded-For names the client, so each test can be a new one. */
  let behindProxy: RunningServer;
  /** Reached directly (no API_TRUST_PROXY): the client is the socket's address, whatever the headers say. */
  let direct: RunningServer;
  before(async () => {
    bodies = await listen(appWithoutBackends({ limits: { ...limits, rateLimit: { ...limits.rateLimit, max: 0 } } }), '127.0.0.1', 0);
    behindProxy = await listen(appWithoutBackends({ limits, trustProxy: 'loopback' }), '127.0.0.1', 0);
    direct = await listen(appWithoutBackends({ limits }), '127.0.0.1', 0);
  });
  after(async () => Promise.all([bodies, behindProxy, direct].map((server) => server.close())));

  const get = (server: RunningServer, headers: Record<string, string>) => request('GET', `${server.url}/openapi.json`, { headers });
  const statuses = async (server: RunningServer, headers: (i: number) => Record<string, string>, count = 10) => {
    const seen: number[] = [];
    for (let i = 0; i < count; i++) seen.push((await get(server, headers(i))).status);
    return seen;
  };
  const LIMITED_AFTER_3 = [200, 200, 200, 429, 429, 429, 429, 429, 429, 429];

  it('refuses a body over the limit with 413 before any route sees it', async () => {
    const response = await request('POST', `${bodies.url}/orders`, { json: { customerId: 'x'.repeat(4096) } });
    assertError(response, 413, 'payload_too_large');
    assert.equal(response.body.error.details.limitBytes, 2048);
  });

  it('refuses bodies that are not JSON with 415, whatever the route', async () => {
    for (const [type, body] of [
      ['text/plain', '{"customerId":"c"}'],
      ['application/x-www-form-urlencoded', 'customerId=c'],
      ['multipart/form-data; boundary=x', '--x--'],
    ] as const) {
      const response = await request('POST', `${bodies.url}/providers/pizza/events`, { body, headers: { 'content-type': type } });
      assertError(response, 415, 'unsupported_media_type');
    }
  });

  it('limits each client separately, answering 429 with Retry-After; probes are never limited', async () => {
    const greedy = { 'x-forwarded-for': '203.0.113.1' };
    for (let i = 0; i < 3; i++) assert.equal((await get(behindProxy, greedy)).status, 200);
    const limited = await get(behindProxy, greedy);
    assertError(limited, 429, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1, 'Retry-After');
    assert.ok(limited.body.error.details.retryAfterSeconds >= 1);
    assert.equal((await get(behindProxy, { 'x-forwarded-for': '203.0.113.2' })).status, 200, 'another address has its own budget');
    assert.equal((await get(behindProxy, { ...greedy, ...OPERATOR })).status, 200, 'an operator (valid token) has their own budget');
    for (let i = 0; i < 5; i++) assert.equal((await request('GET', `${behindProxy.url}/healthz`, { headers: greedy })).status, 200);
  });

  it('does not take X-Customer-Id as the client: a new value per request is no new budget', async () => {
    const rotating = (i: number) => ({ 'x-forwarded-for': '203.0.113.3', 'x-customer-id': `customer-${i}` });
    assert.deepEqual(await statuses(behindProxy, rotating), LIMITED_AFTER_3);
  });

  it('counts a bad operator token against its address, like any anonymous caller', async () => {
    const forged = (i: number) => ({ 'x-forwarded-for': '203.0.113.4', authorization: `Bearer not-a-token-${i}` });
    assert.deepEqual(await statuses(behindProxy, forged), LIMITED_AFTER_3);
  });

  it('believes X-Forwarded-For only from a trusted proxy (API_TRUST_PROXY): reached directly, a rotating one is no new budget', async () => {
    const spoofing = (i: number) => ({ 'x-forwarded-for': `198.51.100.${i}`, 'x-customer-id': `customer-${i}` });
    assert.deepEqual(await statuses(direct, spoofing), LIMITED_AFTER_3);
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
