/**
 * The accrual workflow against a misbehaving accrual system: rate limits (429 with
 * Retry-After) across several workers, outages and 500s, duplicate settlements, and
 * the purchase hook. Real Temporal, real PostgreSQL, the simulator over HTTP.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createAccrualActivities, GATE_CLOSED } from '../../src/activities/loyalty/accrual-client';
import { createLoyaltyActivities } from '../../src/activities/loyalty/activities';
import { createPool } from '../../src/infra/database';
import { accrualWorkflowId } from '../../src/domain/loyalty/ids';
import { unfinishedAccruals } from '../../src/api/loyalty/accrual';
import { createMetrics } from '../../src/infra/metrics';
import { requestsInsideRetryAfterWindows, startAccrualSimulator, type OrderTiming } from '../../src/simulators/accrual/server';
import { enrolPurchaseWorkflow } from '../../src/workflows';
import { testEnv } from '../harness/environment';
import { eventually } from '../harness/http';
import { recordHistory } from '../harness/replay';
import { ATTEMPT_OPTIONS } from './fixtures/check-accrual';
import { assertBalanceInvariant, freshOrderNumber, registerUser, useAccrualStack, type AccrualStack, type LoyaltyUser } from '../harness/loyalty';

async function allFinal(user: LoyaltyUser, count: number, timeoutMs = 30_000) {
  return eventually(async () => {
    const list = await user.call('GET', '/api/user/orders');
    const final = (list.body as { status: string }[]).filter((o) => o.status === 'PROCESSED' || o.status === 'INVALID');
    return list.status === 200 && final.length === count ? list.body : undefined;
  }, timeoutMs, `${count} orders to be final`);
}

async function creditsPerOrder(numbers: string[]): Promise<number[]> {
  const rows = await testEnv().prisma.loyaltyAccrualCredit.groupBy({ by: ['orderNumber'], where: { orderNumber: { in: numbers } }, _count: true });
  const counts = new Map(rows.map((row) => [row.orderNumber, row._count]));
  return numbers.map((n) => counts.get(n) ?? 0);
}

/** A new user uploads one new order the simulator knows (one good, price 1); returns its workflow handle too. */
async function uploadOne(stack: AccrualStack, description: string, timing?: OrderTiming) {
  const user = await registerUser(stack.services.apiUrl);
  const number = freshOrderNumber();
  stack.simulator.registerOrder(number, [{ description, price: 1 }], timing);
  assert.equal((await user.upload(number)).status, 202);
  return { user, number, handle: testEnv().client.workflow.getHandle(accrualWorkflowId(number)) };
}

describe('accrual polling (workflows against the accrual simulator)', () => {
  describe('a 429 storm across two workers', () => {
    const stack = useAccrualStack({
      behaviour: { requestsPerWindow: 4, windowMs: 1000 },
      rules: [{ match: 'pt', reward: 10, reward_type: 'pt' }],
      maxRequestsPerSecond: 500,
      workers: 2,
    });

    it('sends no request inside any Retry-After window, and still credits every order once', async () => {
      const { simulator, services } = stack;
      const user = await registerUser(services.apiUrl);
      const numbers = Array.from({ length: 16 }, () => freshOrderNumber());
      for (const number of numbers) simulator.registerOrder(number, [{ description: 'pt', price: 1 }]);
      await Promise.all(numbers.map((number) => user.upload(number)));
      await allFinal(user, numbers.length);

      const askers = new Set(simulator.log.filter((entry) => entry.path.startsWith('/api/orders/')).map((entry) => entry.userAgent));
      assert.equal(askers.size, 2, `requests came from both workers: ${[...askers].join(', ')}`);
      const rateLimited = simulator.log.filter((entry) => entry.status === 429);
      assert.ok(rateLimited.length >= 1, 'the storm really hit the rate limit');
      assert.deepEqual(requestsInsideRetryAfterWindows(simulator.log), [], 'requests inside a Retry-After window');
      assert.deepEqual(await creditsPerOrder(numbers), numbers.map(() => 1));
      assert.deepEqual((await user.call('GET', '/api/user/balance')).body, { current: 160, withdrawn: 0 });
      const polls = simulator.log.filter((entry) => entry.path.startsWith('/api/orders/')).length;
      assert.ok(polls < numbers.length * 3, `${polls} requests for ${numbers.length} orders`);
    });
  });

  describe('a worker killed while its request is in flight', () => {
    it('keeps every worker quiet for the pause the unread answer may have imposed', async function () {
      this.timeout(60_000);
      // One request per 5 s window, each answered after 1.5 s: the killed worker's request meets a 429.
      const simulator = await startAccrualSimulator({ behaviour: { requestsPerWindow: 1, windowMs: 5_000, latencyMs: 1_500, registeredMs: 0, processingMs: 0 } });
      const pool = createPool(testEnv().databaseUrl, 6);
      try {
        const number = freshOrderNumber();
        simulator.registerOrder(number, [{ description: 'x', price: 1 }]);
        await fetch(`${simulator.url}/api/orders/${number}`); // uses up the window
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'check-accrual.ts'), testEnv().databaseUrl, simulator.url, number], { stdio: 'ignore' });
        const exited = new Promise((resolve) => child.once('exit', resolve));
        await eventually(async () => (simulator.log.filter((e) => e.path.startsWith('/api/orders/')).length === 2 ? true : undefined), 20_000, "the worker's request to arrive");
        child.kill('SIGKILL'); // while the accrual system is still composing its 429
        await exited;
        await eventually(async () => (simulator.log[1]!.retryAfterSeconds !== undefined ? true : undefined), 5_000, 'the 429 the dead worker never read');

        // Another worker's attempt: the gate is closed, nothing is sent.
        const activities = createAccrualActivities({ pool, options: { address: simulator.url, ...ATTEMPT_OPTIONS } });
        const refused = await new MockActivityEnvironment().run(activities.checkAccrual, number).then(
          () => assert.fail('the attempt should have been refused by the gate'),
          (error: { type?: string; nextRetryDelay?: unknown }) => error,
        );
        assert.equal(refused.type, GATE_CLOSED);
        assert.equal(simulator.log.length, 2, 'no request left after the unread 429');
        assert.deepEqual(requestsInsideRetryAfterWindows(simulator.log), []);
        const gate = await testEnv().prisma.loyaltyAccrualGate.findUniqueOrThrow({ where: { accrualAddress: simulator.url } });
        const pauseMs = gate.resumeAt.getTime() - Date.now();
        assert.ok(pauseMs > simulator.log[1]!.retryAfterSeconds! * 1000, `paused ${pauseMs} ms, longer than the Retry-After the worker missed`);
        assert.equal(await testEnv().prisma.loyaltyAccrualRequest.count({ where: { accrualAddress: simulator.url } }), 0, 'the left-behind request is dealt with once');
      } finally {
        await pool.end();
        await simulator.close();
      }
    });
  });

  describe('an outage, then 500s', () => {
    const stack = useAccrualStack({ rules: [{ match: 'Bork', reward: 10, reward_type: '%' }] });

    it('loses nothing: every order is processed once the accrual system is back, each credited exactly once', async () => {
      const { simulator, services } = stack;
      const user = await registerUser(services.apiUrl);
      const numbers = Array.from({ length: 6 }, () => freshOrderNumber());
      for (const number of numbers) simulator.registerOrder(number, [{ description: 'Bork', price: 100.05 }]);
      await simulator.goDown();
      for (const number of numbers) assert.equal((await user.upload(number)).status, 202);

      // The engine retries the refused requests with back-off; nothing is marked failed.
      const handle = testEnv().client.workflow.getHandle(accrualWorkflowId(numbers[0]!));
      await eventually(async () => {
        const { raw } = await handle.describe();
        return (raw.pendingActivities?.[0]?.attempt ?? 0) >= 3 ? true : undefined;
      }, 15_000, 'three failed attempts');
      const during = (await user.call('GET', '/api/user/orders')).body as { status: string }[];
      assert.ok(during.every((o) => o.status === 'NEW'), 'still NEW while the accrual system is down');

      simulator.configure({ failNext: 3 });
      await simulator.comeBack();
      const orders = await allFinal(user, numbers.length);
      assert.ok(orders.every((o: { status: string; accrual: number }) => o.status === 'PROCESSED' && o.accrual === 10.01));
      assert.ok(simulator.log.some((entry) => entry.status === 500), 'some requests met injected 500s');
      assert.deepEqual(await creditsPerOrder(numbers), numbers.map(() => 1));
      assert.deepEqual((await user.call('GET', '/api/user/balance')).body, { current: 60.06, withdrawn: 0 });
      await assertBalanceInvariant();
    });
  });

  describe('exactly-once crediting and the purchase hook', () => {
    const stack = useAccrualStack({ rules: [{ match: 'gift', reward: 7.77, reward_type: 'pt' }] });

    it('credits once however often the settlement is retried, even concurrently', async () => {
      const { user, number, handle } = await uploadOne(stack, 'gift');
      await handle.result();
      const activities = createLoyaltyActivities({ prisma: testEnv().prisma, accrual: stack.services.accrualSettings });
      const again = await Promise.all([1, 2, 3].map(() => activities.settleAccrual({ number, status: 'PROCESSED', accrualCents: 777 })));
      assert.deepEqual(again, [1, 2, 3].map(() => ({ credited: false })));
      assert.deepEqual((await user.call('GET', '/api/user/balance')).body, { current: 7.77, withdrawn: 0 });
      assert.deepEqual(await creditsPerOrder([number]), [1]);
    });

    it("replays a finished accrual workflow's history deterministically with the current code", async () => {
      const { handle } = await uploadOne(stack, 'gift', { registeredMs: 150, processingMs: 150 });
      assert.deepEqual(await handle.result(), { status: 'PROCESSED', accrualCents: 777 });
      const history = await handle.fetchHistory();
      assert.ok((history.events ?? []).some((event) => event.timerStartedEventAttributes), 'the history has durable timers');
      await Worker.runReplayHistory({ workflowBundle: testEnv().workflowBundle }, history, handle.workflowId);
    });

    it('enrols a completed purchase of a loyalty customer, and ignores other customers', async () => {
      const { simulator, services } = stack;
      const user = await registerUser(services.apiUrl);
      const number = freshOrderNumber();
      simulator.registerOrder(number, [{ description: 'gift', price: 1 }]);
      const run = (customerId: string, n: string) =>
        testEnv().client.workflow.execute(enrolPurchaseWorkflow, {
          workflowId: `enrol-${n}-${customerId}`,
          taskQueue: services.taskQueue,
          args: [{ customerId, number: n }],
        });
      assert.deepEqual(await run(user.login, number), { enrolled: true });
      assert.deepEqual(await run(user.login, number), { enrolled: true }, 'idempotent');
      assert.deepEqual(await run('not-a-loyalty-user', freshOrderNumber()), { enrolled: false });
      await allFinal(user, 1);
      assert.deepEqual((await user.call('GET', '/api/user/balance')).body, { current: 7.77, withdrawn: 0 });
    });
  });

  describe('an order the accrual system never registers', () => {
    const stack = useAccrualStack({ settings: { unregisteredHorizonMs: 600 } });

    it('stays NEW when polling gives up after the horizon, and an upload again restarts polling', async () => {
      const { simulator, services } = stack;
      const user = await registerUser(services.apiUrl);
      const number = freshOrderNumber();
      assert.equal((await user.upload(number)).status, 202);
      const handle = testEnv().client.workflow.getHandle(accrualWorkflowId(number));
      assert.deepEqual(await handle.result(), { status: 'NEW', gaveUp: true });
      await recordHistory('accrual-gave-up', handle.workflowId);
      assert.equal((await user.call('GET', '/api/user/orders')).body[0].status, 'NEW', 'never INVALID because of 204s');
      const gaveUpAt = async () => (await testEnv().prisma.loyaltyOrder.findUniqueOrThrow({ where: { number } })).accrualGaveUpAt;
      assert.ok(await gaveUpAt(), 'the give-up is recorded');
      assert.ok(!(await unfinishedAccruals(testEnv().prisma)).includes(number), 'so a restart does not resume its polling');

      simulator.registerOrder(number, [{ description: 'anything', price: 1 }]);
      assert.equal((await user.upload(number)).status, 200);
      await allFinal(user, 1);
      assert.equal((await user.call('GET', '/api/user/orders')).body[0].status, 'INVALID', 'no rule matched: refused, no points');
      assert.equal(await gaveUpAt(), null, 'polling again cleared it');
    });
  });

  describe('answers the contract does not allow', () => {
    const metrics = createMetrics();
    const stack = useAccrualStack({ rules: [{ match: 'Bork', reward: 10, reward_type: 'pt' }], metrics });
    const malformedCount = async () => (await metrics.business.accrualPolls.get()).values.find((v) => v.labels.result === 'malformed')?.value ?? 0;

    it('takes an answer for the same number without its leading zeros', async () => {
      const { simulator, services } = stack;
      const user = await registerUser(services.apiUrl);
      const number = freshOrderNumber('00');
      simulator.answerWith(number, { order: number.replace(/^0+/, ''), status: 'PROCESSED', accrual: 10 });
      assert.equal((await user.upload(number)).status, 202);
      const [order] = await allFinal(user, 1);
      assert.deepEqual([order.number, order.status, order.accrual], [number, 'PROCESSED', 10]);
    });

    it('counts and retries a malformed answer (unknown status, negative accrual, another order, not an object) until a valid one comes', async () => {
      const { simulator, services } = stack;
      const user = await registerUser(services.apiUrl);
      const number = freshOrderNumber();
      simulator.registerOrder(number, [{ description: 'Bork', price: 1 }], { registeredMs: 0, processingMs: 0 });
      const path = `/api/orders/${number}`;
      const before = await malformedCount();
      simulator.answerWith(number, { order: number, status: 'REJECTED' });
      assert.equal((await user.upload(number)).status, 202);
      for (const body of [{ order: number, status: 'PROCESSED', accrual: -5 }, { order: freshOrderNumber(), status: 'PROCESSED', accrual: 5 }, 'not an answer']) {
        const asked = simulator.log.filter((entry) => entry.path === path).length;
        await eventually(async () => (simulator.log.filter((entry) => entry.path === path).length > asked ? true : undefined), 10_000, 'a retry');
        simulator.answerWith(number, body);
      }
      await eventually(async () => (simulator.log.filter((entry) => entry.path === path).length >= 5 ? true : undefined), 10_000, 'a retry of each');
      assert.equal((await user.call('GET', '/api/user/orders')).body[0].status, 'NEW', 'a malformed answer changes nothing');
      assert.ok((await malformedCount()) - before >= 4, `counted: ${(await malformedCount()) - before}`);

      simulator.answerWith(number, undefined); // the accrual system is fixed
      const [order] = await allFinal(user, 1);
      assert.deepEqual([order.status, order.accrual], ['PROCESSED', 10]);
      assert.deepEqual(await creditsPerOrder([number]), [1]);
    });
  });

  describe('a long wait', () => {
    const stack = useAccrualStack({ rules: [{ match: 'slow', reward: 1, reward_type: 'pt' }], settings: { pollsPerRun: 2 } });

    it('continues as new to keep histories short, carrying its state, and still credits once', async () => {
      // Non-final for 2.5 s at a 100 ms poll interval: many more polls than the 2 per run.
      const { user, number, handle } = await uploadOne(stack, 'slow', { registeredMs: 500, processingMs: 2000 });
      assert.deepEqual(await handle.result(), { status: 'PROCESSED', accrualCents: 100 }, 'result() follows the chain of runs');
      const { events } = await handle.fetchHistory(); // the last run's
      assert.ok(events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId, 'the last run continued an earlier one');
      assert.deepEqual(await creditsPerOrder([number]), [1]);
      assert.deepEqual((await user.call('GET', '/api/user/balance')).body, { current: 1, withdrawn: 0 });
    });
  });
});
