/**
 * Property-based fuzzing of the whole API (fast-check, fixed seed): generated invalid and
 * edge-case requests — wrong types, oversized bodies, unicode, negative, huge and
 * too-precise amounts, missing or bad credentials, other customers' ids, malformed ids,
 * wrong content types — at every documented endpoint. Whatever comes in: never a 5xx,
 * every error is the JSON error shape, and a refused request changes nothing.
 * A failure prints the seed and the smallest failing request; FUZZ_SEED / FUZZ_RUNS override.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { errorBodySchema } from '../../src/api/errors';
import { openApiDocument } from '../../src/api/openapi';
import { signatureOf } from '../../src/api/providers/webhooks';
import { testEnv } from '../harness/environment';
import { request } from '../harness/http';
import { orderSnapshot, parkedOrderWorld } from '../harness/orders';
import { OPERATOR_TOKEN, type TestServices } from '../harness/services';

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const OWNER = 'fuzz-owner';
const PIZZA_SECRET = 'pizza-webhook-secret-0123456789';
const BODY_LIMIT = 256 * 1024;

interface Case {
  label: string;
  method: string;
  /** Path template from the OpenAPI document (`/orders/{id}`), for coverage. */
  template: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Constructed to be invalid or unauthorized: anything but a 4xx is a hole. */
  mustReject: boolean;
}

let target = ''; // the owner's order, parked awaiting confirmation

// ---- building blocks -------------------------------------------------------------------

const unicode = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
const asciiJunk = fc.string({ unit: 'grapheme-ascii', maxLength: 60 }).map((s) => s.replace(/[\r\n\0]/g, ''));
const segment = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return 'x';
  }
};

/** Ids of orders that exist, do not exist, or cannot be ids. */
const orderIdArb = fc.oneof(
  fc.constant('TARGET'),
  fc.uuid(),
  fc.constantFrom('not-a-uuid', '0', '..%2F..%2Fetc%2Fpasswd', '%00', 'a'.repeat(3000), `${'f'.repeat(8)}-zzzz-0000-0000-000000000000`),
  unicode,
);

/** Nobody who may act on the target order. */
const strangerArb: fc.Arbitrary<{ who: string; headers: Record<string, string> }> = fc.oneof(
  fc.constant({ who: 'anonymous', headers: {} }),
  fc
    .constantFrom('Bearer', 'Bearer ', 'Bearer wrong-token', 'Basic dXNlcjpwYXNz', `Bearer ${OPERATOR_TOKEN}x`, `bearer  ${OPERATOR_TOKEN}`, 'Token abc')
    .map((authorization) => ({ who: 'bad token', headers: { authorization } })),
  asciiJunk
    .filter((id) => id.trim() !== '' && id.trim() !== OWNER)
    .map((id) => ({ who: 'other customer', headers: { 'x-customer-id': id } })),
);

const reasonJunk = fc.oneof(
  fc.constant({}),
  fc.constant({ reason: '' }),
  fc.constant({ reason: '   ' }),
  fc.constant({ reason: 'x'.repeat(501) }),
  fc.constant({ reason: null }),
  fc.integer().map((reason) => ({ reason })),
  fc.array(unicode).map((reason) => ({ reason })),
);

const validOrder = () => ({
  customerId: 'fuzz-submitter',
  items: [{ provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: '12.50' }],
  delivery: { address: '1 Fuzz Street' },
});

/** One mutation that makes an otherwise valid order invalid. */
const invalidOrderArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('-1.00', '1.005', '0.001', '1e3', '12,50', '１２.５０', 'NaN', 'Infinity', ' 12.50', '9999999999999.00', '', '-0').map((unitPrice) => {
    const order = validOrder();
    return { ...order, items: [{ ...order.items[0]!, unitPrice }] };
  }),
  fc.constantFrom(12.5, -1, 1e308, true, {}).map((unitPrice) => ({ ...validOrder(), items: [{ ...validOrder().items[0]!, unitPrice }] })),
  fc.constantFrom(0, -1, 1.5, 10_001, 2 ** 53, '2', null).map((quantity) => ({ ...validOrder(), items: [{ ...validOrder().items[0]!, quantity }] })),
  fc.oneof(unicode.map((p) => `${p}ü`), fc.constantFrom('', 'PIZZA', 'nobody', 'pizza/../x', 'a'.repeat(64))).map((provider) => ({
    ...validOrder(),
    items: [{ ...validOrder().items[0]!, provider }],
  })),
  fc.tuple(unicode, fc.constantFrom(0, -5)).map(([sku, quantity]) => ({ ...validOrder(), items: [{ ...validOrder().items[0]!, sku, quantity }] })),
  fc.constantFrom('', '   ', 'x'.repeat(201)).map((customerId) => ({ ...validOrder(), customerId })),
  fc.constantFrom(null, 42, [], ['c']).map((customerId) => ({ ...validOrder(), customerId })),
  fc.constantFrom([], 'items', null, Array.from({ length: 201 }, (_, i) => ({ provider: 'pizza', sku: `s${i}`, quantity: 1 }))).map((items) => ({ ...validOrder(), items })),
  fc.constant({ ...validOrder(), items: [validOrder().items[0], validOrder().items[0]] }),
  fc.constantFrom(undefined, null, 'address', { address: '' }, { address: 'x', contactPhone: 'call me' }).map((delivery) => ({ ...validOrder(), delivery })),
  fc.constantFrom('yes', 1, null).map((requiresGate) => ({ ...validOrder(), requiresGate })),
  fc.oneof(fc.constant(null), fc.integer(), unicode, fc.array(fc.integer()), fc.boolean()),
);

const json = (value: unknown) => JSON.stringify(value) ?? 'null';
const jsonHeaders = { 'content-type': 'application/json' };

// ---- the cases -------------------------------------------------------------------------

interface Operation {
  method: string;
  template: string;
  secured: boolean;
}

function documentedOperations(): Operation[] {
  const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, { security?: unknown[] }>> };
  return Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.entries(item)
      // /readyz answers 503 by design when a dependency is slow; its 5xx is not a fault.
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method) && template !== '/readyz')
      .map(([method, op]) => ({ method: method.toUpperCase(), template, secured: (op.security ?? []).length > 0 })),
  );
}

/** Any of `operations`, with a stranger's credentials, odd ids and junk query and body. */
function genericCases(operations: Operation[]): fc.Arbitrary<Case> {
  return fc
    .record({
      op: fc.constantFrom(...operations),
      id: orderIdArb,
      key: fc.oneof(fc.constant('pizza'), unicode),
      provider: fc.oneof(fc.constantFrom('pizza', 'nobody'), unicode),
      stranger: strangerArb,
      query: fc.option(fc.dictionary(fc.constantFrom('limit', 'status', 'cursor', 'createdFrom', 'customerId', 'x'), fc.oneof(asciiJunk, unicode)), { nil: undefined }),
      body: fc.option(fc.oneof(fc.jsonValue().map(json), asciiJunk), { nil: undefined }),
    })
    .map(({ op, id, key, provider, stranger, query, body }) => {
      const path = op.template
        .replace('{id}', segment(id === 'TARGET' ? target : id))
        .replace('{key}', segment(key))
        .replace('{provider}', segment(provider));
      const search = query ? `?${new URLSearchParams(query)}` : '';
      return {
        label: `${op.method} ${op.template} as ${stranger.who}`,
        method: op.method,
        template: op.template,
        path: `${path}${search}`,
        headers: { ...stranger.headers, ...(body === undefined ? {} : jsonHeaders) },
        ...(body === undefined || op.method === 'GET' ? {} : { body }),
        // A secured route refuses callers without credentials; webhooks refuse every unsigned call.
        mustReject: op.secured && stranger.who !== 'other customer',
      };
    });
}

const targeted = (label: string, method: string, template: string, path: string, headers: Record<string, string>, body?: string): Case => ({
  label,
  method,
  template,
  path,
  headers,
  ...(body === undefined ? {} : { body }),
  mustReject: true,
});

function specificCases(): fc.Arbitrary<Case> {
  const submit = invalidOrderArb.map((order) => targeted('invalid order', 'POST', '/orders', '/orders', jsonHeaders, json(order)));
  const submitRaw = fc
    .constantFrom<[string, Record<string, string>, string]>(
      ['oversized', jsonHeaders, json({ ...validOrder(), delivery: { address: 'x'.repeat(BODY_LIMIT) } })],
      ['text/plain', { 'content-type': 'text/plain' }, json(validOrder())],
      ['form', { 'content-type': 'application/x-www-form-urlencoded' }, 'customerId=c&items=1'],
      ['no content type', {}, json(validOrder())],
      ['malformed JSON', jsonHeaders, '{"customerId": "c", "items": ['],
      ['latin1 charset', { 'content-type': 'application/json; charset=latin1' }, json(validOrder())],
    )
    .map(([what, headers, body]) => targeted(`POST /orders ${what}`, 'POST', '/orders', '/orders', headers, body));
  const badQuery = fc
    .constantFrom('limit=0', 'limit=-1', 'limit=201', 'limit=1.5', 'limit=abc', 'status=LOST', 'cursor=-1', 'cursor=1e3', 'createdFrom=yesterday', 'createdTo=2026-13-40T00:00:00Z', 'limit=1&limit=2')
    .map((query) => targeted(`GET /orders?${query}`, 'GET', '/orders', `/orders?${query}`, { authorization: `Bearer ${OPERATOR_TOKEN}` }));
  const actionBody = fc
    .tuple(fc.constantFrom('cancel', 'complete', 'delay'), fc.constantFrom('owner', 'operator'), reasonJunk)
    .filter(([action, who]) => who === 'operator' || action === 'cancel')
    .map(([action, who, body]) =>
      targeted(
        `POST /orders/{id}/${action} as ${who} with a bad reason`,
        'POST',
        `/orders/{id}/${action}`,
        `/orders/${target}/${action}`,
        { ...jsonHeaders, ...(who === 'operator' ? { authorization: `Bearer ${OPERATOR_TOKEN}` } : { 'x-customer-id': OWNER }) },
        json(body),
      ),
    );
  const ownerElsewhere = fc
    .tuple(fc.constantFrom('confirm', 'cancel', 'complete', 'gate/open', 'sub-orders/pizza/retry'), orderIdArb.filter((id) => id !== 'TARGET'))
    .map(([action, id]) =>
      targeted(`POST /orders/{id}/${action} as operator, no such order`, 'POST', `/orders/{id}/${action}`, `/orders/${segment(id)}/${action}`, {
        ...jsonHeaders,
        authorization: `Bearer ${OPERATOR_TOKEN}`,
      }, json({ reason: 'fuzz' })),
    );
  const signedJunk = fc
    .oneof(
      fc.jsonValue(),
      fc.record({ eventId: fc.oneof(fc.constant(''), unicode), orderId: fc.oneof(fc.constant(target || 'x'), unicode), providerOrderId: asciiJunk, status: fc.constantFrom('ACCEPTED', 'EXPLODED', 42) }),
      fc.uuid().map((orderId) => ({ eventId: 'e-1', orderId, providerOrderId: 'p-1', status: 'ACCEPTED' })),
    )
    .filter((event) => !(typeof event === 'object' && event !== null && (event as { orderId?: unknown }).orderId === target && (event as { status?: unknown }).status === 'ACCEPTED' && (event as { eventId?: string }).eventId !== ''))
    .map((event) => {
      const body = json(event);
      return targeted('signed webhook, bad or foreign event', 'POST', '/providers/{provider}/events', '/providers/pizza/events', { ...jsonHeaders, 'x-signature': signatureOf(PIZZA_SECRET, body) }, body);
    });
  const wrongMethod = fc
    .tuple(fc.constantFrom('PUT', 'PATCH', 'DELETE'), fc.constantFrom('/orders', '/orders/{id}', '/ops/reconcile', '/healthz'))
    .map(([method, template]) => targeted(`${method} ${template}`, method, template, template.replace('{id}', target), { authorization: `Bearer ${OPERATOR_TOKEN}` }));
  return fc.oneof(submit, submitRaw, badQuery, actionBody, ownerElsewhere, signedJunk, wrongMethod);
}

// ---- the property ----------------------------------------------------------------------

describe('fuzzing every endpoint with invalid and edge-case requests (fast-check)', function () {
  this.timeout(180_000);
  let world: Awaited<ReturnType<typeof parkedOrderWorld>>;
  let services: TestServices;

  before(async () => {
    world = await parkedOrderWorld(OWNER);
    services = world.services;
    target = world.order.id;
  });
  after(async () => world.stop());

  it(`never answers 5xx, always answers errors in the JSON error shape, and a refused request changes nothing (seed ${SEED}, ${RUNS} runs)`, async () => {
    const prisma = testEnv().prisma;
    const seen = new Set<string>();
    const operations = documentedOperations();
    // One generated case per operation runs first, so every endpoint is reached whatever the seed.
    const onePerOperation = operations.map((op) => fc.sample(genericCases([op]), { seed: SEED, numRuns: 1 }) as [Case]);
    await fc.assert(
      fc.asyncProperty(fc.oneof(genericCases(operations), specificCases()), async (c) => {
        seen.add(`${c.method} ${c.template}`);
        const [countBefore, targetBefore] = await Promise.all([prisma.order.count(), orderSnapshot(target)]);
        const response = await request(c.method, `${services.apiUrl}${c.path}`, { headers: c.headers, ...(c.body === undefined ? {} : { body: c.body }) });
        const what = `${c.label}: ${c.method} ${c.path.slice(0, 200)} → ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`;
        assert.ok(response.status < 500, `5xx: ${what}`);
        if (response.status >= 400) {
          assert.match(response.headers.get('content-type') ?? '', /^application\/json/, `not JSON: ${what}`);
          assert.ok(errorBodySchema.safeParse(response.body).success, `not the error shape: ${what}`);
          const [countAfter, targetAfter] = await Promise.all([prisma.order.count(), orderSnapshot(target)]);
          assert.equal(countAfter, countBefore, `a refused request created an order: ${what}`);
          assert.equal(targetAfter, targetBefore, `a refused request changed the order: ${what}`);
        } else {
          assert.ok(!c.mustReject, `accepted what must be refused: ${what}`);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true, examples: onePerOperation },
    );
    const documented = Object.entries(openApiDocument().paths ?? {}).flatMap(([path, item]) =>
      ['get', 'post'].filter((m) => (item as Record<string, unknown>)[m]).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const missed = documented.filter((op) => !seen.has(op) && op !== 'GET /readyz');
    assert.deepEqual(missed, [], 'endpoints the fuzzer never reached (raise FUZZ_RUNS or check the generators)');
  });
});
