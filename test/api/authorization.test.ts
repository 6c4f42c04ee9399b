/**
 * Who may do what, route by route: every route of the API against each kind of caller.
 * A customer never reads or changes another customer's order and never records money or
 * sets prices, operator routes refuse everyone else (devices too), a device syncs only as
 * itself, webhooks refuse anything not signed with that provider's secret — and a refused
 * request changes nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { signatureOf } from '../../src/api/providers/webhooks';
import { request } from '../harness/http';
import { awaitingConfirmation, orderSnapshot, parkedOrderWorld } from '../harness/orders';
import { getOrder } from '../harness/orders';
import { sync } from '../harness/payments';
import { deviceAuth, operatorAuth, type TestServices } from '../harness/services';

type Caller = 'anonymous' | 'bad token' | 'other customer' | 'owner' | 'device' | 'operator';
const CALLERS: Caller[] = ['anonymous', 'bad token', 'other customer', 'owner', 'device', 'operator'];
/** `allowed`: the caller gets past authorization (the answer may still be a 409 for the order's state). */
type Expect = 401 | 403 | 'allowed';

const OWNER = `owner-${randomUUID()}`;
const OTHER = `other-${randomUUID()}`;

function headersOf(caller: Caller): Record<string, string> {
  switch (caller) {
    case 'anonymous':
      return {};
    case 'bad token':
      return { authorization: 'Bearer not-a-real-operator-token-at-all' };
    case 'other customer':
      return { 'x-customer-id': OTHER };
    case 'owner':
      return { 'x-customer-id': OWNER };
    case 'device':
      return deviceAuth('till-1');
    case 'operator':
      return operatorAuth;
  }
}

interface Row {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  /** Changes the order when allowed: run on a fresh order. */
  mutates?: boolean;
  expect: Record<Caller, Expect>;
}

const viewers: Record<Caller, Expect> = { anonymous: 401, 'bad token': 401, 'other customer': 403, owner: 'allowed', device: 'allowed', operator: 'allowed' };
/** Money and prices: operators and devices, never a customer (the owner included). */
const staff: Record<Caller, Expect> = { anonymous: 401, 'bad token': 401, 'other customer': 403, owner: 401, device: 'allowed', operator: 'allowed' };
const operatorsOnly: Record<Caller, Expect> = { anonymous: 401, 'bad token': 401, 'other customer': 403, owner: 401, device: 403, operator: 'allowed' };

const ORDER_ROUTES: Row[] = [
  { method: 'GET', path: '/orders/:id', expect: viewers },
  { method: 'GET', path: '/orders/:id/history', expect: viewers },
  { method: 'POST', path: '/orders/:id/confirm', mutates: true, expect: viewers },
  { method: 'POST', path: '/orders/:id/cancel', body: { reason: 'changed my mind' }, mutates: true, expect: viewers },
  { method: 'POST', path: '/orders/:id/complete', body: { reason: 'done' }, mutates: true, expect: operatorsOnly },
  { method: 'POST', path: '/orders/:id/delay', body: { reason: 'traffic' }, mutates: true, expect: operatorsOnly },
  { method: 'POST', path: '/orders/:id/gate/open', mutates: true, expect: operatorsOnly },
  { method: 'POST', path: '/orders/:id/sub-orders/pizza/retry', mutates: true, expect: operatorsOnly },
  { method: 'GET', path: '/orders/:id/payments', expect: viewers },
  { method: 'POST', path: '/orders/:id/payments', body: { transactionId: 'authz-pay', method: 'cash', amount: '1.00' }, mutates: true, expect: staff },
  { method: 'POST', path: '/orders/:id/refunds', body: { transactionId: 'authz-refund', refundOf: 'authz-pay', amount: '1.00' }, mutates: true, expect: staff },
  { method: 'POST', path: '/orders/:id/items', body: { changes: [{ provider: 'pizza', sku: 'margherita', quantity: -1 }] }, mutates: true, expect: staff },
  { method: 'POST', path: '/orders/:id/close', mutates: true, expect: staff },
];

describe('authorization: every route against every kind of caller', function () {
  this.timeout(120_000);
  let world: Awaited<ReturnType<typeof parkedOrderWorld>>;
  let services: TestServices;
  let shared: string;

  before(async () => {
    world = await parkedOrderWorld(OWNER);
    services = world.services;
    shared = world.order.id;
  });
  after(async () => world.stop());

  for (const row of ORDER_ROUTES) {
    for (const caller of CALLERS) {
      const expected = row.expect[caller];
      it(`${row.method} ${row.path} as ${caller}: ${expected === 'allowed' ? 'allowed' : `${expected}, nothing changes`}`, async () => {
        const id = row.mutates && expected === 'allowed' ? (await awaitingConfirmation(services.apiUrl, OWNER)).id : shared;
        const before = await orderSnapshot(id);
        const response = await request(row.method, `${services.apiUrl}${row.path.replace(':id', id)}`, {
          headers: headersOf(caller),
          ...(row.body ? { json: row.body } : {}),
        });
        if (expected === 'allowed') {
          assert.ok(![401, 403].includes(response.status) && response.status < 500, `${response.status} ${JSON.stringify(response.body)}`);
        } else {
          assert.equal(response.status, expected, JSON.stringify(response.body));
          assert.equal(response.body.error.code, expected === 401 ? 'unauthorized' : 'forbidden');
          assert.equal(await orderSnapshot(id), before, 'a refused request changed the order');
        }
      });
    }
  }

  it("lists only the caller's own orders, whatever customerId filter a customer sends", async () => {
    const list = (caller: Caller, query = '') => request('GET', `${services.apiUrl}/orders?limit=200${query}`, { headers: headersOf(caller) });
    for (const caller of ['anonymous', 'bad token'] as const) assert.equal((await list(caller)).status, 401, caller);
    for (const query of ['', `&customerId=${OWNER}`]) {
      const other = await list('other customer', query);
      assert.equal(other.status, 200);
      assert.deepEqual(other.body.orders.filter((o: any) => o.customerId !== OTHER), [], `other customer${query} sees foreign orders`);
    }
    const own = await list('owner');
    assert.ok(own.body.orders.some((o: any) => o.id === shared));
    assert.ok(own.body.orders.every((o: any) => o.customerId === OWNER));
    const operator = await list('operator', `&customerId=${OWNER}`);
    assert.ok(operator.body.orders.some((o: any) => o.id === shared));
  });

  it('operator routes (/ops/*) refuse customers, devices, bad tokens and anonymous callers', async () => {
    for (const [method, path] of [['GET', '/ops/stuck-orders'], ['POST', '/ops/reconcile']] as const) {
      for (const caller of ['anonymous', 'bad token', 'other customer', 'owner', 'device'] as const) {
        const response = await request(method, `${services.apiUrl}${path}`, { headers: headersOf(caller) });
        const expected = caller === 'device' ? [403, 'forbidden'] : [401, 'unauthorized'];
        assert.deepEqual([response.status, response.body.error.code], expected, `${method} ${path} as ${caller}`);
      }
    }
    assert.equal((await request('GET', `${services.apiUrl}/ops/stuck-orders`, { headers: operatorAuth })).status, 200);
  });

  it('POST /sync is for devices, with their own token: everyone else is refused and nothing is taken', async () => {
    const command = { type: 'editItems', commandId: 'authz-1', seq: 1, orderId: shared, changes: [{ provider: 'pizza', sku: 'cola', quantity: 1, unitPrice: '3.00' }] };
    const before = await orderSnapshot(shared);
    const expected: Record<Exclude<Caller, 'device'>, [number, string]> = {
      anonymous: [401, 'unauthorized'],
      'bad token': [401, 'unauthorized'],
      'other customer': [401, 'unauthorized'],
      owner: [401, 'unauthorized'],
      operator: [403, 'forbidden'],
    };
    for (const [caller, [status, code]] of Object.entries(expected) as [Caller, [number, string]][]) {
      const response = await request('POST', `${services.apiUrl}/sync`, { headers: headersOf(caller), json: { deviceId: 'till-1', commands: [command] } });
      assert.deepEqual([response.status, response.body.error?.code], [status, code], caller);
    }
    assert.equal(await orderSnapshot(shared), before, 'a refused sync changed the order');
  });

  it('a device never sends as another device: its token names it, a different deviceId is 403, and each keeps its own numbers', async () => {
    const order = await awaitingConfirmation(services.apiUrl, OWNER);
    const edit = (commandId: string) => ({ type: 'editItems', commandId, seq: 1, orderId: order.id, changes: [{ provider: 'pizza', sku: 'cola', quantity: 1, unitPrice: '3.00' }] });
    const before = await orderSnapshot(order.id);
    // The audit's spoof: till-2 sends number 1 as till-1, which used to take till-1's number.
    const spoofed = await request('POST', `${services.apiUrl}/sync`, { headers: deviceAuth('till-2'), json: { deviceId: 'till-1', commands: [edit('evil')] } });
    assert.deepEqual([spoofed.status, spoofed.body.error.code], [403, 'forbidden']);
    assert.equal(await orderSnapshot(order.id), before, 'the spoofed command was not taken');
    const real = await sync(services.apiUrl, 'till-1', [edit('real')]);
    assert.deepEqual([real.status, real.body.deviceId, real.body.results[0].outcome], [200, 'till-1', 'applied'], JSON.stringify(real.body));
    // Without deviceId in the body, the token says who it is.
    const other = await request('POST', `${services.apiUrl}/sync`, { headers: deviceAuth('till-2'), json: { commands: [edit('own')] } });
    assert.deepEqual([other.status, other.body.deviceId, other.body.results[0].outcome], [200, 'till-2', 'applied']);
    const seen = await getOrder(services.apiUrl, order.id);
    assert.deepEqual(seen.commands.map((c: any) => [c.deviceId, c.commandId, c.seq]).sort(), [['till-1', 'real', 1], ['till-2', 'own', 1]]);
  });

  it("webhooks refuse a missing or wrong signature, another provider's secret, and customers or operators", async () => {
    const event = { eventId: randomUUID(), orderId: shared, providerOrderId: 'p-1', status: 'ACCEPTED' };
    const raw = JSON.stringify(event);
    const before = await orderSnapshot(shared);
    const attempts: Record<string, Record<string, string>> = {
      'no signature': {},
      'wrong signature': { 'x-signature': `sha256=${'0'.repeat(64)}` },
      'signed with another secret': { 'x-signature': signatureOf('sushi-webhook-secret-0123456789', raw) },
      'signature of another body': { 'x-signature': signatureOf('pizza-webhook-secret-0123456789', `${raw} `) },
      'an operator token': operatorAuth,
      'the owner': headersOf('owner'),
    };
    for (const [what, headers] of Object.entries(attempts)) {
      const response = await request('POST', `${services.apiUrl}/providers/pizza/events`, {
        body: raw,
        headers: { 'content-type': 'application/json', ...headers },
      });
      assert.equal(response.status, 401, what);
      assert.equal(response.body.error.code, 'bad_signature', what);
    }
    const unknown = await request('POST', `${services.apiUrl}/providers/nobody/events`, {
      body: raw,
      headers: { 'content-type': 'application/json', 'x-signature': signatureOf('pizza-webhook-secret-0123456789', raw) },
    });
    assert.equal(unknown.status, 404);
    assert.equal(await orderSnapshot(shared), before);
  });
});
