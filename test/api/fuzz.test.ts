/**
 * Property-based fuzzing of the whole API (fast-check, fixed seed): generated invalid and
 * edge-case requests — wrong types, oversized bodies, unicode, negative, huge and
 * too-precise amounts, missing or bad credentials, other customers' ids, malformed ids,
 * wrong content types — at every documented endpoint. Payments, refunds, bill edits,
 * closes and device sync also get invalid bodies with valid staff credentials, so the
 * body is parsed and the order's workflow judges what passes validation. Whatever comes
 * in: never a 5xx, every error is the JSON error shape, and a refused request changes
 * nothing (the workflow's state and the read model, checked once the workflow is idle).
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
import { MONEY_PATTERN } from '../../src/domain/money';
import { deviceAuth, OPERATOR_TOKEN, type TestServices } from '../harness/services';

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
  /** A sync batch of commands none of which may be taken: a 200 must refuse every one. */
  refusesEveryCommand?: boolean;
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
        // A secured route refuses callers without credentials, webhooks every unsigned call, and
        // another customer's credentials never reach the target order.
        mustReject: op.secured && (stranger.who !== 'other customer' || (op.template.includes('{id}') && id === 'TARGET')),
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

/**
 * Another customer's credentials on the target order, with bodies its owner could send: only the
 * ownership check stands between them and a 200 (a change, for actions).
 */
function otherCustomerCases(operations: Operation[]): fc.Arbitrary<Case> {
  const onOrder = operations.filter((op) => op.template.startsWith('/orders/{id}'));
  const other = asciiJunk.filter((id) => id.trim() !== '' && id.trim() !== OWNER);
  return fc.tuple(fc.constantFrom(...onOrder), other).map(([op, customer]) =>
    targeted(
      `${op.method} ${op.template} as another customer, on the target order`,
      op.method,
      op.template,
      op.template.replace('{id}', target).replace('{key}', 'pizza'),
      { ...jsonHeaders, 'x-customer-id': customer },
      op.method === 'GET' ? undefined : json({ reason: 'not mine', transactionId: 'fuzz-other', method: 'cash', amount: '1.00', changes: [{ provider: 'pizza', sku: 'cola', quantity: 1, unitPrice: '3.00' }] }),
    ),
  );
}

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

// ---- payments, refunds, bill edits, close and sync, with valid staff credentials -------

const notMoney = (s: string) => !MONEY_PATTERN.test(s);
/** Amounts that are not a positive amount of at most 1 000 000 000.00 with two decimals. */
const badAmountArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('-1.00', '0', '0.00', '0.001', '1.005', '1e3', '12,50', '１２.５０', 'NaN', 'Infinity', ' 12.50', '', '-0'),
  fc.constantFrom('1000000000.01', '999999999999.99', '9999999999999.00', `1${'0'.repeat(400)}`),
  fc.constantFrom(12.5, -1, 0, 1e308, true, null, {}, ['1.00']),
  unicode.filter(notMoney),
);
/** Unit prices that are not amounts (0.00 is a price: a free line). */
const badPriceArb = badAmountArb.filter((price) => !(typeof price === 'string' && /^0(\.0{1,2})?$/.test(price)));
const staffArb = fc.constantFrom<[string, Record<string, string>]>(['operator', { authorization: `Bearer ${OPERATOR_TOKEN}` }], ['device', deviceAuth('till-1')]);
const idJunk = fc.oneof(fc.constantFrom('', ' ', 'a b', 'x'.repeat(129), 'ü', '../x', null, 42), unicode.filter((s) => !/^[A-Za-z0-9_.:@-]{1,128}$/.test(s)));
/** Header values fetch can send (no line breaks, no non-ASCII). */
const headerJunk = fc.oneof(fc.constantFrom('', ' ', 'x'.repeat(201)), asciiJunk.filter((s) => s.trim() === '' || s.length > 200));

function billingCases(): fc.Arbitrary<Case> {
  const staffCase = (route: string, label: string, body: unknown, extraHeaders: Record<string, string> = {}) =>
    staffArb.map(([who, headers]) =>
      targeted(`POST /orders/{id}/${route} as ${who}: ${label}`, 'POST', `/orders/{id}/${route}`, `/orders/${target}/${route}`, { ...jsonHeaders, ...headers, ...extraHeaders }, json(body)),
    );
  const payment = (over: Record<string, unknown>) => ({ transactionId: 'fuzz-pay', method: 'cash', amount: '1.00', ...over });
  const payments = fc.oneof(
    badAmountArb.chain((amount) => staffCase('payments', 'bad amount', payment({ amount }))),
    fc.oneof(fc.constantFrom('bitcoin', '', 'CASH', null, 1), unicode).chain((method) => staffCase('payments', 'bad method', payment({ method }))),
    idJunk.chain((transactionId) => staffCase('payments', 'bad transaction id', payment({ transactionId }))),
    fc
      .constantFrom<unknown>(
        'terminal-7',
        [1, 2],
        { nested: { deep: true } },
        { note: 'x'.repeat(201) },
        Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, i])),
        Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, 'x'.repeat(150)])),
        { ['k'.repeat(65)]: 1 },
      )
      .chain((details) => staffCase('payments', 'bad details', payment({ details }))),
    // Valid in shape, refused by the order: more than the 12.50 due, the maximum itself.
    fc.constantFrom('12.51', '1000000000.00').chain((amount) => staffCase('payments', 'more than is due', payment({ amount }))),
    fc.constantFrom<unknown>(null, [], 'pay', {}).chain((body) => staffCase('payments', 'not a payment', body)),
  );
  const refunds = fc.oneof(
    badAmountArb.chain((amount) => staffCase('refunds', 'bad amount', { transactionId: 'fuzz-r', refundOf: 'fuzz-pay', amount })),
    idJunk.chain((refundOf) => staffCase('refunds', 'bad refundOf', { transactionId: 'fuzz-r', refundOf, amount: '1.00' })),
    fc.constantFrom('fuzz-pay', 'no-such-payment').chain((refundOf) => staffCase('refunds', 'of no payment', { transactionId: 'fuzz-r', refundOf, amount: '1.00' })),
  );
  const line = (over: Record<string, unknown>) => ({ provider: 'pizza', sku: 'cola', quantity: 1, unitPrice: '3.00', ...over });
  const items = fc.oneof(
    badPriceArb.chain((unitPrice) => staffCase('items', 'bad unit price', { changes: [line({ unitPrice })] })),
    fc.constantFrom<unknown>(0, 1.5, 10_001, -10_001, 2 ** 53, '2', null, Number.MAX_VALUE).chain((quantity) => staffCase('items', 'bad quantity', { changes: [line({ quantity })] })),
    fc.oneof(fc.constantFrom('', 'PIZZA', 'a'.repeat(64), null), unicode.map((p) => `${p}ü`)).chain((provider) => staffCase('items', 'bad provider', { changes: [line({ provider })] })),
    fc.constantFrom<unknown>(null, 'cola', [], Array.from({ length: 201 }, () => line({}))).chain((changes) => staffCase('items', 'bad changes', { changes })),
    // Valid in shape, refused by the order's rules (src/domain/orders/bill.ts).
    fc
      .constantFrom<[string, unknown[]]>(
        ['removal at another price', [line({ sku: 'margherita', quantity: -1, unitPrice: '999.00' })]],
        ['removal beyond the line', [line({ sku: 'margherita', quantity: -2, unitPrice: undefined })]],
        ['removal of what is not on the bill', [line({ sku: 'tiramisu', quantity: -1 })]],
        ['a line above the maximum', [line({ sku: 'gold', quantity: 2, unitPrice: '1000000000.00' })]],
        ['a total above the maximum', [line({ sku: 'gold', quantity: 1, unitPrice: '1000000000.00' })]],
        ['a new line without a price', [line({ sku: 'tiramisu', unitPrice: undefined })]],
        ['the audit\'s overflow', [line({ sku: 'a', quantity: 90, unitPrice: '999999999999.99' }), line({ sku: 'b', quantity: 90, unitPrice: '999999999999.99' })]],
      )
      .chain(([label, changes]) => staffCase('items', label, { changes })),
    headerJunk.chain((key) => staffCase('items', 'bad Idempotency-Key', { changes: [line({})] }, { 'idempotency-key': key })),
  );
  // The target is unpaid: a close is 423 whatever comes with it.
  const close = fc.oneof(fc.constant(undefined), fc.jsonValue()).chain((body) =>
    fc.oneof(fc.constant({}), fc.oneof(headerJunk, asciiJunk.filter((s) => s.trim() !== '')).map((key) => ({ 'idempotency-key': key }))).chain((extra) => staffCase('close', 'unpaid', body, extra)),
  );
  return fc.oneof(payments, refunds, items, close, syncCases());
}

/** Batches a device may send that take nothing: malformed batches (400/403), or commands that cannot be numbered or placed. */
function syncCases(): fc.Arbitrary<Case> {
  const batch = (label: string, body: unknown, refusesEveryCommand: boolean): Case => ({
    ...targeted(`POST /sync: ${label}`, 'POST', '/sync', '/sync', { ...jsonHeaders, ...deviceAuth('till-1') }, json(body)),
    mustReject: !refusesEveryCommand,
    refusesEveryCommand,
  });
  const command = (over: Record<string, unknown>) => ({ type: 'editItems', commandId: 'fuzz-c', seq: 1, orderId: target, changes: [{ provider: 'pizza', sku: 'cola', quantity: 1, unitPrice: '3.00' }], ...over });
  const malformed = fc
    .constantFrom<unknown>(null, [], 'sync', {}, { commands: [] }, { commands: 'x' }, { commands: Array.from({ length: 101 }, () => command({})) }, { deviceId: 'till-2', commands: [command({})] }, { deviceId: 42, commands: [command({})] })
    .map((body) => batch('malformed batch or another device', body, false));
  const unplaceable = fc
    .oneof(
      idJunk.map((commandId) => command({ commandId })),
      fc.constantFrom<unknown>(0, -1, 1.5, '1', null, 2 ** 60).map((seq) => command({ seq })),
      fc.oneof(fc.constantFrom<unknown>('', 42, null, 'x'.repeat(41)), unicode.filter((t) => t.length > 40)).map((type) => command({ type })),
      fc.constantFrom<Record<string, unknown>>({ orderId: undefined }, { localId: 'fuzz-local' }, { orderId: 'not-a-uuid' }, { localId: 'never-created', orderId: undefined }).map(command),
      fc.uuid().map((orderId) => command({ orderId })),
      badPriceArb.filter((price) => price !== null).map((amount) => ({ type: 'create', commandId: 'fuzz-create', seq: 1, localId: 'fuzz-local', order: { ...validOrder(), items: [{ provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: amount }] } })),
      fc.jsonValue().filter((value) => typeof value !== 'object' || value === null || Array.isArray(value)),
    )
    .map((cmd) => batch('a command that cannot be taken', { commands: [cmd] }, true));
  return fc.oneof(malformed, unplaceable);
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
      fc.asyncProperty(
        fc.oneof(
          { arbitrary: genericCases(operations), weight: 3 },
          { arbitrary: specificCases(), weight: 2 },
          // The routes that move money and prices: their bodies, with valid staff credentials.
          { arbitrary: billingCases(), weight: 4 },
          { arbitrary: otherCustomerCases(operations), weight: 1 },
        ),
        async (c) => {
          seen.add(`${c.method} ${c.template}`);
          const [countBefore, targetBefore] = await Promise.all([prisma.order.count(), orderSnapshot(target)]);
          const response = await request(c.method, `${services.apiUrl}${c.path}`, { headers: c.headers, ...(c.body === undefined ? {} : { body: c.body }) });
          const what = `${c.label}: ${c.method} ${c.path.slice(0, 200)} → ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`;
          const unchanged = async (refused: string) => {
            const [countAfter, targetAfter] = await Promise.all([prisma.order.count(), orderSnapshot(target)]);
            assert.equal(countAfter, countBefore, `${refused} created an order: ${what}`);
            assert.equal(targetAfter, targetBefore, `${refused} changed the order: ${what}`);
          };
          assert.ok(response.status < 500, `5xx: ${what}`);
          if (response.status >= 400) {
            assert.match(response.headers.get('content-type') ?? '', /^application\/json/, `not JSON: ${what}`);
            assert.ok(errorBodySchema.safeParse(response.body).success, `not the error shape: ${what}`);
            await unchanged('a refused request');
          } else {
            assert.ok(!c.mustReject, `accepted what must be refused: ${what}`);
            if (c.refusesEveryCommand) {
              assert.ok(response.body.results.every((r: { outcome: string }) => r.outcome === 'refused'), `a command was taken: ${what}`);
              await unchanged('a refused command');
            }
          }
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true, examples: onePerOperation },
    );
    const documented = Object.entries(openApiDocument().paths ?? {}).flatMap(([path, item]) =>
      ['get', 'post'].filter((m) => (item as Record<string, unknown>)[m]).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const missed = documented.filter((op) => !seen.has(op) && op !== 'GET /readyz');
    assert.deepEqual(missed, [], 'endpoints the fuzzer never reached (raise FUZZ_RUNS or check the generators)');
  });
});
