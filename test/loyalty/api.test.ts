/**
 * The loyalty API end to end, as a Gophermart client sees it: real Temporal, real
 * PostgreSQL, the accrual simulator over HTTP. Every status code of the contract.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { AccrualSimulator } from '../../src/simulators/accrual/server';
import { testEnv } from '../harness/environment';
import { eventually, request } from '../harness/http';
import { assertBalanceInvariant, freshOrderNumber, nonLuhnNumber, registerUser, useAccrualStack, type LoyaltyUser } from '../harness/loyalty';

/** What the contract says every JSON answer carries, exactly (no `; charset=utf-8`). */
const JSON_TYPE = 'application/json';

describe('loyalty API (the Gophermart contract)', () => {
  const stack = useAccrualStack({
    behaviour: { registeredMs: 150, processingMs: 150 },
    rules: [
      { match: 'Bork', reward: 5, reward_type: '%' },
      { match: 'Spoon', reward: 12.5, reward_type: 'pt' },
    ],
  });
  let simulator: AccrualSimulator;
  let api: string;
  before(() => {
    ({ simulator } = stack);
    api = stack.services.apiUrl;
  });

  async function processedOrder(user: LoyaltyUser, goods: { description: string; price: number }[]) {
    const number = freshOrderNumber();
    simulator.registerOrder(number, goods);
    assert.equal((await user.upload(number)).status, 202);
    return eventually(async () => {
      const list = await user.call('GET', '/api/user/orders');
      const order = list.body?.find?.((o: { number: string }) => o.number === number);
      return order?.status === 'PROCESSED' || order?.status === 'INVALID' ? order : undefined;
    }, 20_000, `order ${number} to be final`);
  }

  it('register → upload → PROCESSED with the right points → balance → withdraw → withdrawals', async () => {
    const user = await registerUser(api);
    const number = freshOrderNumber();
    simulator.registerOrder(number, [{ description: 'Чайник Bork', price: 14599.5 }]);
    const started = Date.now();
    const uploaded = await user.upload(number);
    assert.equal(uploaded.status, 202);
    assert.equal(uploaded.headers.get('content-type'), JSON_TYPE);

    const seen = new Set<string>();
    const order = await eventually(async () => {
      const list = await user.call('GET', '/api/user/orders');
      assert.equal(list.status, 200);
      seen.add(list.body[0].status);
      return list.body[0].status === 'PROCESSED' ? list.body[0] : undefined;
    }, 20_000, 'PROCESSED');
    assert.ok(Date.now() - started < 5000, `processed within seconds (took ${Date.now() - started} ms)`);
    assert.deepEqual(Object.keys(order).sort(), ['accrual', 'number', 'status', 'uploaded_at']);
    assert.equal(order.number, number);
    assert.equal(order.accrual, 729.98, '5% of 14599.50 = 729.975, rounded half-up');
    assert.ok(!Number.isNaN(Date.parse(order.uploaded_at)) && /T.*(Z|[+-]\d\d:\d\d)$/.test(order.uploaded_at), order.uploaded_at);
    assert.ok([...seen].every((status) => ['NEW', 'PROCESSING', 'PROCESSED'].includes(status)), [...seen].join());

    const balance = await user.call('GET', '/api/user/balance');
    assert.equal(balance.status, 200);
    assert.equal(balance.headers.get('content-type'), JSON_TYPE);
    assert.deepEqual(balance.body, { current: 729.98, withdrawn: 0 });

    const spendOn = freshOrderNumber();
    const withdrawn = await user.call('POST', '/api/user/balance/withdraw', { json: { order: spendOn, sum: 100.5 } });
    assert.equal(withdrawn.status, 200);
    assert.equal(withdrawn.headers.get('content-type'), JSON_TYPE);
    assert.deepEqual(await user.call('GET', '/api/user/balance').then((r) => r.body), { current: 629.48, withdrawn: 100.5 });

    const list = await user.call('GET', '/api/user/withdrawals');
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('content-type'), JSON_TYPE);
    assert.equal(list.body.length, 1);
    assert.equal(list.body[0].order, spendOn);
    assert.equal(list.body[0].sum, 100.5);
    assert.ok(!Number.isNaN(Date.parse(list.body[0].processed_at)));
  });

  it('gives the token in the Authorization header and a non-Secure cookie, and accepts either back', async () => {
    const login = `cookie-${randomUUID()}`;
    const registered = await request('POST', `${api}/api/user/register`, { json: { login, password: 'secret' } });
    assert.equal(registered.status, 200);
    assert.match(registered.headers.get('authorization')!, /^Bearer \S+$/);
    const setCookie = registered.headers.get('set-cookie')!;
    assert.match(setCookie, /^token=[^;]+/);
    assert.doesNotMatch(setCookie, /;\s*Secure/i);
    const cookie = setCookie.split(';')[0]!;
    const viaCookie = await request('GET', `${api}/api/user/balance`, { headers: { cookie } });
    assert.equal(viaCookie.status, 200);
    const viaHeader = await request('GET', `${api}/api/user/balance`, { headers: { authorization: registered.headers.get('authorization')! } });
    assert.equal(viaHeader.status, 200);

    const loggedIn = await request('POST', `${api}/api/user/login`, { json: { login, password: 'secret' } });
    assert.equal(loggedIn.status, 200);
    assert.match(loggedIn.headers.get('authorization')!, /^Bearer \S+$/);
    assert.match(loggedIn.headers.get('set-cookie')!, /^token=/);
  });

  it('answers 400, 401 and 409 on register and login as the contract says', async () => {
    const login = `dup-${randomUUID()}`;
    assert.equal((await request('POST', `${api}/api/user/register`, { json: { login, password: 'a' } })).status, 200);
    const taken = await request('POST', `${api}/api/user/register`, { json: { login, password: 'b' } });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.code, 'login_taken');
    assert.equal(taken.headers.get('content-type'), JSON_TYPE);
    assert.equal((await request('POST', `${api}/api/user/register`, { json: { login: '' , password: 'x' } })).status, 400);
    assert.equal((await request('POST', `${api}/api/user/register`, { json: { login: 'x' } })).status, 400);
    const malformed = await request('POST', `${api}/api/user/register`, { body: '{"login":', headers: { 'content-type': 'application/json' } });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.headers.get('content-type'), JSON_TYPE, 'errors of the body parser too');
    assert.equal((await request('POST', `${api}/api/user/login`, { json: { password: 'a' } })).status, 400);
    const wrong = await request('POST', `${api}/api/user/login`, { json: { login, password: 'b' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('content-type'), JSON_TYPE);
    assert.equal((await request('POST', `${api}/api/user/login`, { json: { login: `nobody-${randomUUID()}`, password: 'a' } })).status, 401);
  });

  it('answers 401 on every other endpoint without a valid token', async () => {
    const forged = 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    for (const headers of [{}, { authorization: forged }, { cookie: 'token=garbage' }] as Record<string, string>[]) {
      for (const [method, path] of [
        ['POST', '/api/user/orders'],
        ['GET', '/api/user/orders'],
        ['GET', '/api/user/balance'],
        ['POST', '/api/user/balance/withdraw'],
        ['GET', '/api/user/withdrawals'],
      ] as const) {
        const response = await request(method, `${api}${path}`, { headers, ...(method === 'POST' ? { body: freshOrderNumber() } : {}) });
        assert.equal(response.status, 401, `${method} ${path} with ${JSON.stringify(headers)}`);
        assert.equal(response.headers.get('content-type'), JSON_TYPE);
      }
    }
  });

  it('answers 401 to a token signed with our key that lacks an expiry or whose subject is not a user id', async () => {
    const user = await registerUser(api);
    const { id } = await testEnv().prisma.loyaltyUser.findUniqueOrThrow({ where: { login: user.login } });
    const { value } = await testEnv().prisma.loyaltySecret.findUniqueOrThrow({ where: { name: 'token-signing-key' } });
    const key = new TextEncoder().encode(value);
    const sign = (claims: { sub?: string; exp?: boolean }) => {
      const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
      if (claims.sub) jwt.setSubject(claims.sub);
      if (claims.exp) jwt.setExpirationTime('1h');
      return jwt.sign(key);
    };
    const balance = async (token: string) => (await request('GET', `${api}/api/user/balance`, { headers: { authorization: `Bearer ${token}` } })).status;
    assert.equal(await balance(await sign({ sub: id, exp: true })), 200, 'a token forged like ours is accepted: the cases below differ only as named');
    assert.equal(await balance(await sign({ sub: id })), 401, 'no exp: it would never expire');
    assert.equal(await balance(await sign({ exp: true })), 401, 'no sub');
    assert.equal(await balance(await sign({ sub: 'not-a-uuid', exp: true })), 401, 'a sub that is no user id');
    assert.equal(await balance(await sign({ sub: randomUUID(), exp: true })), 401, 'a user that does not exist');
  });

  it('takes the cookie when the Authorization header carries no valid token, and the header when both are valid', async () => {
    const alice = await registerUser(api);
    const bob = await registerUser(api);
    const aliceCookie = `token=${alice.authorization.replace(/^Bearer /, '')}`;
    const balanceOf = (headers: Record<string, string>) => request('GET', `${api}/api/user/balance`, { headers });
    assert.equal((await balanceOf({ authorization: 'Bearer garbage', cookie: aliceCookie })).status, 200);
    assert.equal((await balanceOf({ authorization: alice.authorization, cookie: 'token=garbage' })).status, 200);
    const number = freshOrderNumber();
    assert.equal((await bob.upload(number)).status, 202);
    const both = await request('GET', `${api}/api/user/orders`, { headers: { authorization: bob.authorization, cookie: aliceCookie } });
    assert.deepEqual(both.body.map((o: { number: string }) => o.number), [number], "the header's user (bob) wins");
  });

  it('uploads: 202 new, 200 again by the same user, 409 by another, 422 Luhn, 400 empty', async () => {
    const alice = await registerUser(api);
    const bob = await registerUser(api);
    const number = freshOrderNumber();
    assert.equal((await alice.upload(number)).status, 202);
    const again = await alice.upload(number);
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('content-type'), JSON_TYPE);
    const other = await bob.upload(number);
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, 'order_uploaded_by_another_user');
    const refused = await alice.upload(nonLuhnNumber());
    assert.equal(refused.status, 422);
    assert.equal(refused.headers.get('content-type'), JSON_TYPE);
    assert.equal((await alice.upload('12a45')).status, 422);
    for (const zero of ['0', '00', '0000000000']) assert.equal((await alice.upload(zero)).status, 422, `${zero} passes Luhn but numbers no order`);
    assert.equal((await alice.upload('')).status, 400);
    assert.equal((await bob.call('GET', '/api/user/orders')).status, 204, "bob sees none of alice's orders");
  });

  it('lists orders newest first, keeps leading zeros and 19+ digit numbers, and answers 204 with JSON when empty', async () => {
    const user = await registerUser(api);
    const empty = await user.call('GET', '/api/user/orders');
    assert.equal(empty.status, 204);
    assert.equal(empty.headers.get('content-type'), JSON_TYPE);
    const numbers = [freshOrderNumber('000'), freshOrderNumber('98765432109876543210'), freshOrderNumber()];
    for (const number of numbers) assert.equal((await user.upload(number)).status, 202);
    const list = await user.call('GET', '/api/user/orders');
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('content-type'), JSON_TYPE);
    assert.deepEqual(list.body.map((o: { number: string }) => o.number), [...numbers].reverse());
    assert.ok(numbers[0]!.startsWith('000') && numbers[1]!.length > 19);
    for (const order of list.body) assert.ok(['NEW', 'PROCESSING'].includes(order.status) && !('accrual' in order));
  });

  it('marks an order the accrual system refuses INVALID, without points', async () => {
    const user = await registerUser(api);
    const order = await processedOrder(user, [{ description: 'nothing rewarded', price: 100 }]);
    assert.equal(order.status, 'INVALID');
    assert.ok(!('accrual' in order));
    assert.deepEqual((await user.call('GET', '/api/user/balance')).body, { current: 0, withdrawn: 0 });
  });

  it('withdraw: 402 when points are short, 422 for a bad number, 400 for a bad body; withdrawals 204 with JSON', async () => {
    const user = await registerUser(api);
    const none = await user.call('GET', '/api/user/withdrawals');
    assert.equal(none.status, 204);
    assert.equal(none.headers.get('content-type'), JSON_TYPE);
    assert.equal((await processedOrder(user, [{ description: 'Spoon', price: 1 }])).accrual, 12.5);

    const short = await user.call('POST', '/api/user/balance/withdraw', { json: { order: freshOrderNumber(), sum: 12.51 } });
    assert.equal(short.status, 402);
    assert.equal(short.body.error.code, 'insufficient_points');
    assert.equal(short.headers.get('content-type'), JSON_TYPE);
    // Money has at most two decimals: more is refused, never rounded and charged.
    for (const sum of [0.005, 1.005, 0.001, 1e-7]) {
      const refused = await user.call('POST', '/api/user/balance/withdraw', { json: { order: freshOrderNumber(), sum } });
      assert.equal(refused.status, 400, String(sum));
      assert.equal(refused.body.error.details.fields[0].path, 'sum');
    }
    assert.equal((await user.call('POST', '/api/user/balance/withdraw', { json: { order: nonLuhnNumber(), sum: 1 } })).status, 422);
    assert.equal((await user.call('POST', '/api/user/balance/withdraw', { json: { order: '0', sum: 1 } })).status, 422);
    assert.equal((await user.call('POST', '/api/user/balance/withdraw', { json: { order: freshOrderNumber(), sum: -1 } })).status, 400);
    assert.equal((await user.call('POST', '/api/user/balance/withdraw', { json: { sum: 1 } })).status, 400);
    assert.equal((await user.call('GET', '/api/user/withdrawals')).status, 204, 'failed withdrawals leave no trace');

    const order = freshOrderNumber();
    assert.equal((await user.call('POST', '/api/user/balance/withdraw', { json: { order, sum: 12.5 } })).status, 200);
    assert.equal((await user.call('POST', '/api/user/balance/withdraw', { json: { order, sum: 12.5 } })).status, 200, 'a repeat is not paid twice');
    assert.deepEqual((await user.call('GET', '/api/user/balance')).body, { current: 0, withdrawn: 12.5 });
    const other = await registerUser(api);
    assert.equal((await other.call('POST', '/api/user/balance/withdraw', { json: { order, sum: 1 } })).status, 409);
    assert.equal((await other.call('GET', '/api/user/withdrawals')).status, 204, "other users never see one's withdrawals");
  });

  it('keeps an order unknown to the accrual system NEW (204), then processes it once it is registered', async () => {
    const user = await registerUser(api);
    const number = freshOrderNumber();
    assert.equal((await user.upload(number)).status, 202);
    const path = `/api/orders/${number}`;
    await eventually(async () => (simulator.log.filter((e) => e.path === path && e.status === 204).length >= 3 ? true : undefined), 10_000, 'three 204s');
    const listed = await user.call('GET', '/api/user/orders');
    assert.equal(listed.body[0].status, 'NEW');

    simulator.registerOrder(number, [{ description: 'Bork', price: 100 }]);
    const order = await eventually(async () => {
      const list = await user.call('GET', '/api/user/orders');
      return list.body[0].status === 'PROCESSED' ? list.body[0] : undefined;
    }, 20_000, 'PROCESSED after registration');
    assert.equal(order.accrual, 5);
  });

  it('survives 100 concurrent withdrawals against a balance covering 10: exactly 10 succeed', async () => {
    const user = await registerUser(api);
    const order = await processedOrder(user, [{ description: 'Spoon', price: 1 }, { description: 'Bork', price: 150 }]);
    assert.equal(order.accrual, 20); // 12.5 pt + 5% of 150
    const results = await Promise.all(
      Array.from({ length: 100 }, () => user.call('POST', '/api/user/balance/withdraw', { json: { order: freshOrderNumber(), sum: 2 } })),
    );
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 10, statuses.join());
    assert.equal(statuses.filter((s) => s === 402).length, 90);
    assert.deepEqual((await user.call('GET', '/api/user/balance')).body, { current: 0, withdrawn: 20 });
    assert.equal((await user.call('GET', '/api/user/withdrawals')).body.length, 10);
    await assertBalanceInvariant();
  });
});
