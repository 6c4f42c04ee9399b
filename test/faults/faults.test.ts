/**
 * Fault injection: orders, payments and loyalty accruals keep flowing while we break
 * things — providers answering 5xx 30 % of the time and hanging past their timeout,
 * worker processes SIGKILLed (several times), the Temporal server restarted (its SQLite
 * file persists), PostgreSQL stopped for a while, the API restarted, the accrual system
 * rate-limiting hard (a 429 storm) and then down altogether.
 *
 * Meanwhile: loyalty users' purchases earn points and they upload numbers of their own
 * and withdraw points; a till pays some orders in two goes, sending every payment
 * several times (a double click, and again later, across the restarts and kills), and
 * closes them as sold. Afterwards, from the simulators' logs, the database and Temporal:
 * every accepted order finished once, no provider placed a sub-order twice, every
 * accrual was credited exactly once and every balance equals credits − withdrawals, no
 * request reached the accrual system inside a Retry-After window, no payment was
 * recorded twice, and the read model equals each workflow's own state.
 *
 * Short form in `npm test` (FAULT_ORDERS=24); `npm run test:faults` runs the long form.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { providerRegistry, providerRegistrySchema } from '../../src/config/providers';
import { accrualWorkflowId } from '../../src/domain/loyalty/ids';
import { withLuhnCheckDigit } from '../../src/domain/loyalty/luhn';
import { createPrisma, type PrismaClient } from '../../src/infra/database';
import { createLogger } from '../../src/infra/logger';
import { migrate } from '../../src/infra/migrate';
import { freePort } from '../../src/infra/ports';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/infra/postgres';
import { resolveTemporalCli } from '../../src/infra/temporal-cli';
import { startTemporalDevServer, type DevServer } from '../../src/infra/temporal-dev-server';
import { startApi, type RunningApi } from '../../src/processes/api';
import { requestsInsideRetryAfterWindows, startAccrualSimulator, type AccrualSimulator } from '../../src/simulators/accrual/server';
import { eventually } from '../harness/http';
import { freshOrderNumber } from '../harness/loyalty';
import { spawnProject, type Spawned } from '../harness/processes';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { OPERATOR_TOKEN } from '../harness/services';
import { balancesNotMatchingLedger, creditsNotExactlyOnce, paymentsNotExactlyOnce, readModelMismatches } from './checks';
import * as clients from './clients';

const ORDERS = Number(process.env.FAULT_ORDERS ?? 24);
/** Every 4th order is paid at the till and closed; every 3rd belongs to a loyalty user. */
const isPaid = (i: number) => i % 4 === 1;
const isLoyal = (i: number) => i % 3 === 0;
const LOYALTY_USERS = Math.min(20, Math.max(3, Math.round(ORDERS / 10)));
const UPLOADS_PER_USER = 2;
/** The accrual system's only rule: every number earns 3 points; each user then withdraws 2. */
const POINTS = 3;
const ACCRUAL_STORM = { requestsPerWindow: 1, windowMs: 3000 };
/** After its outage the accrual system comes back with a limit the workers' 20 requests/s still exceed at times. */
const ACCRUAL_AFTER_OUTAGE = { requestsPerWindow: 10, windowMs: 1000 };
const WITHDRAWAL = 2;

const delivered = [
  { provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: '12.50' },
  { provider: 'sushi', sku: 'maki', quantity: 2, unitPrice: '4.20' },
];
/** The till's line never delivers: only paying and closing ends these orders. 17.50 = 10.00 cash + 7.50 card. */
const atTheTill = [
  { provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: '12.50' },
  { provider: 'till', sku: 'receipt', quantity: 1, unitPrice: '5.00' },
];
const tillPayments = (i: number) => [
  { transactionId: `fault-tx-${i}-cash`, method: 'cash', amount: '10.00', amountCents: 1000 },
  { transactionId: `fault-tx-${i}-card`, method: 'card', amount: '7.50', amountCents: 750 },
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits are bounds, not pauses: the long form gets proportionally longer ones. */
const patience = (ms: number) => ms * Math.max(1, ORDERS / 50);

describe('fault injection: nothing lost, nothing twice', function () {
  this.timeout(patience(15 * 60_000));
  let dir: string;
  let temporal: DevServer;
  let temporalOptions: Parameters<typeof startTemporalDevServer>[0];
  let pg: EmbeddedPostgresHandle;
  let pgOptions: Parameters<typeof startEmbeddedPostgres>[0];
  let prisma: PrismaClient;
  let providers: SimulatedProviders;
  let accrual: AccrualSimulator;
  let api: RunningApi | undefined;
  let apiPort: number;
  let apiUrl: string;
  let apiLog: fs.WriteStream;
  const workers: Spawned[] = [];
  const faults: string[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-orders-faults-'));
    fs.chmodSync(dir, 0o755);
    temporalOptions = {
      binary: (await resolveTemporalCli()).path,
      port: await freePort(),
      dbFile: path.join(dir, 'temporal.db'),
      logFile: path.join(dir, 'temporal.log'),
      namespace: 'default',
    };
    pgOptions = { dataDir: path.join(dir, 'postgres'), port: await freePort(), database: 'faults' };
    [temporal, pg] = await Promise.all([startTemporalDevServer(temporalOptions), startEmbeddedPostgres(pgOptions)]);
    await migrate(pg.url);
    prisma = createPrisma(pg.url);
    const flaky = { failureRate: 0.3, hangNext: 3, hangMs: 3_000, stepMs: 100 };
    // Placing is retried for a provider's acceptance SLA: two minutes make a run of 500s that outlasts it
    // (and sends the sub-order to an operator, as it should) vanishingly unlikely at a 30 % failure rate.
    const patient = { acceptSlaSeconds: 120 };
    providers = await startProviders({
      pizza: { behavior: { prices: { margherita: 1250 }, ...flaky }, config: patient },
      sushi: { behavior: { prices: { maki: 420 }, ...flaky }, config: { ...patient, tracking: 'poll' } },
      till: { behavior: { prices: { receipt: 500 }, failureRate: 0.3, stepMs: null }, config: patient },
    });
    // A 429 storm until the accrual outage: one request per 3 s allowed, while the workers may send 20 per second.
    accrual = await startAccrualSimulator({ behaviour: { ...ACCRUAL_STORM, registeredMs: 200, processingMs: 200 } });
    accrual.addRule({ match: 'fault', reward: POINTS, reward_type: 'pt' });
    apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    apiLog = fs.createWriteStream(path.join(dir, 'api.log'));
    await startApiProcess();
    await Promise.all([startWorker(), startWorker()]);
  });

  // A failure keeps what the processes said, for the next person to read (test-results/ is not committed).
  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    const out = path.join(process.cwd(), 'test-results', 'faults');
    fs.mkdirSync(out, { recursive: true });
    workers.forEach((worker, i) => fs.writeFileSync(path.join(out, `worker-${i}.log`), worker.output()));
    for (const log of ['temporal.log', 'api.log']) if (fs.existsSync(path.join(dir, log))) fs.copyFileSync(path.join(dir, log), path.join(out, log));
    fs.writeFileSync(path.join(out, 'accrual-requests.json'), JSON.stringify(accrual.log, null, 1));
    process.stdout.write(`      process logs kept in ${out}\n`);
  });

  after(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await api?.stop();
    await providers?.simulator.stop();
    await accrual?.close();
    await prisma?.$disconnect();
    await temporal?.stop();
    await pg?.stop();
    apiLog?.end();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function startApiProcess() {
    api = await startApi({
      temporalAddress: temporal.address,
      namespace: 'default',
      taskQueue: 'orders',
      temporalUiUrl: 'http://temporal-ui.test',
      databaseUrl: pg.url,
      host: '127.0.0.1',
      port: apiPort,
      logger: createLogger('info', 'api', apiLog),
      providers: providerRegistry(providerRegistrySchema.parse(providers.configs)),
      operators: new Map([[OPERATOR_TOKEN, 'faults']]),
      orderPolicy: { deadlineMs: 30 * 60_000, confirmationTimeoutMs: 30 * 60_000 },
      // One client (this test) sends everything; the API's rate limit is not under test here.
      limits: { bodyLimitBytes: 256 * 1024, rateLimit: { max: 0, windowMs: 60_000 } },
    });
  }

  async function startWorker() {
    const worker = spawnProject(['worker'], {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      DATABASE_URL: pg.url,
      TEMPORAL_TASK_QUEUE: 'orders',
      PROVIDERS: JSON.stringify(providers.configs),
      PROVIDER_CALLBACK_URL: apiUrl,
      QUOTE_CACHE_TTL_SECONDS: '0.001',
      RECONCILE_INTERVAL_SECONDS: '0',
      ACCRUAL_SYSTEM_ADDRESS: accrual.url,
      ACCRUAL_TASK_QUEUE: 'faults-accrual',
      ACCRUAL_MAX_REQUESTS_PER_SECOND: '20',
      ACCRUAL_POLL_INTERVAL_MS: '200',
      ACCRUAL_RETRY_MAX_INTERVAL_MS: '2000',
      ACCRUAL_REQUEST_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'info',
    });
    workers.push(worker);
    await worker.waitFor(/worker polling \(orders and accrual\)/);
  }

  async function killAWorker() {
    const victim = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null)!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    faults.push('worker SIGKILL');
    await startWorker();
  }

  /** Awaits `work`; after `ms` fails saying what it waited for and, from `explain`, where things stand. */
  async function within<T>(ms: number, what: string, work: Promise<T>, explain?: () => Promise<string>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        void (explain?.() ?? Promise.resolve('')).catch((error: Error) => `(could not explain: ${error.message})`).then((why) => reject(new Error(`${what}: not done after ${ms / 1000} s. ${why}`)));
      }, ms);
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The workflows still open, each with its status, pending activities and their last failure. */
  async function unfinished(client: Client, workflowIds: string[]): Promise<string> {
    const lines: string[] = [];
    for (const workflowId of workflowIds) {
      const description = await client.workflow.getHandle(workflowId).describe();
      if (description.status.name === 'COMPLETED') continue;
      const pending = (description.raw.pendingActivities ?? []).map(
        (a) => `${a.activityType?.name} attempt ${a.attempt} ${a.lastFailure?.message ?? ''}`.trim(),
      );
      lines.push(`${workflowId}: ${description.status.name}, pending [${pending.join('; ')}]`);
    }
    const workersAlive = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).length;
    return `${lines.length} open (${workersAlive} workers alive):\n${lines.join('\n')}`;
  }

  it(`keeps ${ORDERS} orders, their payments and loyalty accruals safe through provider errors, worker kills, a Temporal restart, a database outage, an API restart, a 429 storm and an accrual outage`, async () => {
    const goods = [{ description: 'fault purchase', price: 1 }];
    const users = await Promise.all(Array.from({ length: LOYALTY_USERS }, () => clients.registerLoyaltyUser(apiUrl)));
    const numbersOf = new Map(users.map((user) => [user.login, [] as string[]]));
    const sentPayments: { orderId: string; transactionId: string; amountCents: number }[] = [];
    const firstAnswers = new Map<string, unknown>();
    const paymentSends = { count: 0 };

    /** What must be the same in every answer to one transaction: a second recording would differ in `recordedAt`. */
    const answerOf = (answer: clients.Answer) => {
      const { transactionId, amount, balanceDue, recordedAt } = answer.body;
      return { transactionId, amount, balanceDue, recordedAt };
    };
    const payOnce = async (orderId: string, tx: ReturnType<typeof tillPayments>[number]) => {
      paymentSends.count++;
      const answer = answerOf(await clients.pay(apiUrl, orderId, tx.transactionId, tx.method, tx.amount));
      if (!firstAnswers.has(tx.transactionId)) firstAnswers.set(tx.transactionId, answer);
      assert.deepEqual(answer, firstAnswers.get(tx.transactionId), `a repeat of ${tx.transactionId} got another answer: two recordings of one payment`);
    };

    /** The till: waits for the bill, pays it in two goes (each sent twice at once, and once more later), closes. */
    const payAndClose = async (order: clients.SubmittedOrder, i: number) => {
      while ((await clients.orderView(apiUrl, order.id)).billing?.total !== '17.50') await sleep(300);
      for (const tx of tillPayments(i)) {
        sentPayments.push({ orderId: order.id, transactionId: tx.transactionId, amountCents: tx.amountCents });
        await Promise.all([payOnce(order.id, tx), payOnce(order.id, tx)]);
      }
      await sleep(Math.random() * 4_000);
      for (const tx of tillPayments(i)) await payOnce(order.id, tx);
      await clients.closeOrder(apiUrl, order.id).catch((error: Error) => {
        if (!error.message.includes('payment_due')) throw error;
        const confirmed = tillPayments(i).map((tx) => `${tx.transactionId} (${tx.amount})`).join(' and ');
        throw new Error(`${error.message} — after the API confirmed ${confirmed}: the workflow lacks a payment the API answered 200 for`);
      });
    };

    const placeOrder = async (i: number) => {
      await sleep(i * 50);
      const key = `fault-order-${i}`;
      const customerId = isLoyal(i) ? users[(i / 3) % users.length]!.login : `faults-${key}`;
      const body = { customerId, items: isPaid(i) ? atTheTill : delivered, delivery: { address: '1 Fault Lane' } };
      const order = await clients.submitOrder(apiUrl, key, body);
      if (isLoyal(i)) {
        // The shop registers the purchase with the accrual system; the order's completion enrols it for points.
        const number = withLuhnCheckDigit(String(order.number));
        accrual.registerOrder(number, goods);
        numbersOf.get(customerId)!.push(number);
      }
      if (isPaid(i)) await payAndClose(order, i);
      return order;
    };

    /** A loyalty user uploads numbers, then withdraws once points have arrived (twice at once, once later). */
    const loyaltyUser = async (user: clients.LoyaltyClient) => {
      for (let k = 0; k < UPLOADS_PER_USER; k++) {
        const number = freshOrderNumber();
        accrual.registerOrder(number, goods);
        numbersOf.get(user.login)!.push(number);
        await clients.upload(apiUrl, user, number);
      }
      while ((await clients.balance(apiUrl, user)).current < WITHDRAWAL) await sleep(500);
      const spend = freshOrderNumber();
      const answers = await Promise.all([clients.withdraw(apiUrl, user, spend, WITHDRAWAL), clients.withdraw(apiUrl, user, spend, WITHDRAWAL)]);
      await sleep(Math.random() * 4_000);
      answers.push(await clients.withdraw(apiUrl, user, spend, WITHDRAWAL));
      for (const answer of answers) assert.deepEqual(answer.body, answers[0]!.body, 'a repeated withdrawal got another answer');
    };

    const started = Date.now();
    const phases: string[] = [];
    const phase = (name: string) => phases.push(`${name} ${((Date.now() - started) / 1000).toFixed(0)} s`);
    faults.push('accrual 429 storm');
    const orderFlows = Array.from({ length: ORDERS }, (_, i) => placeOrder(i));
    const userFlows = users.map(loyaltyUser);
    // A rejection is reported where it is awaited, below; this keeps it from being "unhandled" meanwhile.
    for (const flow of [...orderFlows, ...userFlows]) flow.catch(() => {});

    // All orders start at once, so the first placements come later the more there are.
    await eventually(async () => (providers.simulator.placements('pizza').length >= ORDERS / 4 ? true : undefined), patience(60_000), 'orders flowing');
    await eventually(async () => (accrual.log.some((entry) => entry.status === 429) ? true : undefined), patience(60_000), 'the accrual 429 storm');
    phase('faults start');
    await killAWorker();

    await accrual.goDown();
    const outageStarted = Date.now();
    faults.push('accrual outage');

    await temporal.stop();
    temporal = await startTemporalDevServer(temporalOptions);
    faults.push('Temporal server restart');

    await pg.stop();
    faults.push('PostgreSQL outage');
    await sleep(2_000); // the outage itself
    pg = await startEmbeddedPostgres(pgOptions);

    await api!.stop();
    api = undefined;
    await startApiProcess();
    faults.push('API restart');

    accrual.configure(ACCRUAL_AFTER_OUTAGE);
    await accrual.comeBack();
    const outageSeconds = (Date.now() - outageStarted) / 1000;
    await killAWorker();
    phase('faults end');

    const orders = await within(patience(180_000), 'every order submitted, paid and closed', Promise.all(orderFlows));
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    try {
      const finished = <T>(what: string, workflowIds: string[]): Promise<T[]> =>
        within(patience(240_000), what, Promise.all(workflowIds.map((id) => client.workflow.getHandle(id).result())), () => unfinished(client, workflowIds));
      const results = await finished<{ status: string; reason?: string }>('every order finished', orders.map((order) => order.workflowId));
      phase('orders finished');
      const numbers = [...numbersOf.values()].flat();
      const accruals = await finished<{ status: string; accrualCents?: number }>('every accrual settled', numbers.map(accrualWorkflowId));
      phase('accruals settled');
      await within(patience(120_000), 'every withdrawal answered', Promise.all(userFlows));
      // Once more, after the orders finished: the read model answers, with the first answer.
      for (const order of orders.filter((_, i) => isPaid(i))) {
        for (const tx of tillPayments(orders.indexOf(order))) await payOnce(order.id, tx);
      }

      // Every accepted order finished, exactly one workflow each; the paid ones closed as sold.
      assert.equal(new Set(orders.map((order) => order.id)).size, ORDERS, 'one order per idempotency key');
      assert.deepEqual(results.filter((r) => r.status !== 'COMPLETED'), [], 'every order completed');
      const sold = results.filter((r, i) => isPaid(i) && r.reason === 'sold: closed fully paid').length;
      assert.equal(sold, orders.filter((_, i) => isPaid(i)).length, 'every till order closed as sold');
      const executions = new Set<string>();
      for await (const execution of client.workflow.list({ query: `WorkflowType = 'orderWorkflow'` })) executions.add(execution.workflowId);
      assert.equal(executions.size, ORDERS, 'one workflow id per order');

      // No provider placed a sub-order twice.
      const placed = (provider: string, which: (i: number) => boolean) =>
        orders.filter((_, i) => which(i)).map((order) => `${order.id} ${providers.simulator.placements(provider, order.id).length}`);
      const once = (provider: string, which: (i: number) => boolean) => placed(provider, which).filter((line) => !line.endsWith(' 1'));
      assert.deepEqual(once('pizza', () => true), [], 'pizza placements');
      assert.deepEqual(once('sushi', (i) => !isPaid(i)), [], 'sushi placements');
      assert.deepEqual(once('till', isPaid), [], 'till placements');

      // No payment recorded twice, none lost; each order's bill paid exactly.
      assert.deepEqual(await paymentsNotExactlyOnce(prisma, sentPayments), [], 'payments not recorded exactly once');

      // Every accrual credited exactly once; every balance is credits − withdrawals; no request inside a Retry-After window.
      assert.deepEqual(accruals.filter((a) => a.status !== 'PROCESSED' || a.accrualCents !== POINTS * 100), [], 'every accrual PROCESSED');
      assert.deepEqual(await creditsNotExactlyOnce(prisma, numbers), [], 'accruals not credited exactly once');
      assert.deepEqual(await balancesNotMatchingLedger(prisma), [], 'balances that differ from credits − withdrawals');
      for (const user of users) {
        const expected = { current: POINTS * numbersOf.get(user.login)!.length - WITHDRAWAL, withdrawn: WITHDRAWAL };
        assert.deepEqual(await clients.balance(apiUrl, user), expected, `balance of ${user.login}`);
      }
      const accrualRequests = accrual.log.filter((entry) => entry.path.startsWith('/api/orders/'));
      const rateLimited = accrualRequests.filter((entry) => entry.status === 429).length;
      assert.ok(rateLimited > 0, 'the accrual system really rate-limited');
      assert.deepEqual(requestsInsideRetryAfterWindows(accrual.log), [], 'accrual requests inside a Retry-After window');

      // The read model equals each workflow's own state (it catches up: projections are retried).
      let mismatches: string[] = [];
      await eventually(async () => {
        mismatches = await readModelMismatches(client, prisma, orders);
        return mismatches.length === 0 ? true : undefined;
      }, 60_000, 'the read model to equal every workflow').catch(() => assert.deepEqual(mismatches, [], 'read model ≠ workflow state'));
      const loyaltyRows = await prisma.loyaltyOrder.findMany({ where: { number: { in: numbers } } });
      assert.deepEqual(loyaltyRows.filter((row) => row.status !== 'PROCESSED' || row.accrualCents !== BigInt(POINTS * 100)), [], 'loyalty orders as the accrual workflows settled them');

      phase('checked');
      const injected5xx = providers.simulator.requests.filter((r) => r.status >= 500).length;
      process.stdout.write(
        `      faults: ${faults.join(', ')} (accrual down ${outageSeconds.toFixed(1)} s); ${injected5xx} provider 5xx/timeouts; ` +
          `${rateLimited} accrual 429s of ${accrualRequests.length} accrual requests\n` +
          `      orders: ${ORDERS} accepted, ${results.length} completed (${sold} paid at the till and closed), lost 0, duplicate placements 0\n` +
          `      payments: ${sentPayments.length} transactions sent ${paymentSends.count} times, ${sentPayments.length} recorded, duplicates 0\n` +
          `      loyalty: ${numbers.length} numbers (${numbers.length - users.length * UPLOADS_PER_USER} purchases, ${users.length * UPLOADS_PER_USER} uploads) credited once each, ` +
          `${users.length} withdrawals sent 3 times each, lost 0, duplicates 0, requests inside Retry-After 0\n` +
          `      client repeats: ${clients.repeats.afterLostAnswer} after a lost answer, ${clients.repeats.after5xx} after a 5xx\n` +
          `      timeline: ${phases.join(', ')}\n`,
      );
    } finally {
      await connection.close();
    }
  });
});
