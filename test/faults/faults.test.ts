/**
 * Fault injection: orders keep flowing while we break things — providers answering 5xx
 * 30 % of the time and hanging past their timeout, worker processes SIGKILLed (several
 * times), the Temporal server restarted (its SQLite file persists), PostgreSQL stopped
 * for a while, the API restarted. Afterwards, from the simulator's log, the database
 * and Temporal: every accepted order reached a final state exactly once, no provider
 * placed a sub-order twice, and the read model equals each workflow's outcome.
 *
 * Short form in `npm test`; `npm run test:faults` runs the long form (FAULT_ORDERS=300).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { providerRegistry, providerRegistrySchema } from '../../src/config/providers';
import { createPrisma, type PrismaClient } from '../../src/infra/database';
import { migrate } from '../../src/infra/migrate';
import { freePort } from '../../src/infra/ports';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../../src/infra/postgres';
import { resolveTemporalCli } from '../../src/infra/temporal-cli';
import { startTemporalDevServer, type DevServer } from '../../src/infra/temporal-dev-server';
import { startApi, type RunningApi } from '../../src/processes/api';
import { testEnv } from '../harness/environment';
import { eventually } from '../harness/http';
import { orderBody } from '../harness/orders';
import { spawnProject, type Spawned } from '../harness/processes';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { OPERATOR_TOKEN } from '../harness/services';

const ORDERS = Number(process.env.FAULT_ORDERS ?? 24);
const items = [
  { provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: '12.50' },
  { provider: 'sushi', sku: 'maki', quantity: 2, unitPrice: '4.20' },
];

describe('fault injection: nothing lost, nothing twice', function () {
  this.timeout(10 * 60_000);
  let dir: string;
  let temporal: DevServer;
  let temporalOptions: Parameters<typeof startTemporalDevServer>[0];
  let pg: EmbeddedPostgresHandle;
  let pgOptions: Parameters<typeof startEmbeddedPostgres>[0];
  let prisma: PrismaClient;
  let providers: SimulatedProviders;
  let api: RunningApi | undefined;
  let apiPort: number;
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
    providers = await startProviders({
      pizza: { behavior: { prices: { margherita: 1250 }, failureRate: 0.3, hangNext: 3, hangMs: 3_000, stepMs: 100 } },
      sushi: { behavior: { prices: { maki: 420 }, failureRate: 0.3, hangNext: 3, hangMs: 3_000, stepMs: 100 }, config: { tracking: 'poll' } },
    });
    apiPort = await freePort();
    await startApiProcess();
    await Promise.all([startWorker(), startWorker()]);
  });

  // A failure keeps what the processes said, for the next person to read (test-results/ is not committed).
  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    const out = path.join(process.cwd(), 'test-results', 'faults');
    fs.mkdirSync(out, { recursive: true });
    workers.forEach((worker, i) => fs.writeFileSync(path.join(out, `worker-${i}.log`), worker.output()));
    const temporalLog = temporalOptions.logFile;
    if (temporalLog && fs.existsSync(temporalLog)) fs.copyFileSync(temporalLog, path.join(out, 'temporal.log'));
    process.stdout.write(`      process logs kept in ${out}\n`);
  });

  after(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await api?.stop();
    await providers?.simulator.stop();
    await prisma?.$disconnect();
    await temporal?.stop();
    await pg?.stop();
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
      logger: testEnv().logger,
      providers: providerRegistry(providerRegistrySchema.parse(providers.configs)),
      operators: new Map([[OPERATOR_TOKEN, 'faults']]),
      orderPolicy: { deadlineMs: 30 * 60_000, confirmationTimeoutMs: 30 * 60_000 },
    });
  }

  async function startWorker() {
    const worker = spawnProject(['worker'], {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      DATABASE_URL: pg.url,
      TEMPORAL_TASK_QUEUE: 'orders',
      PROVIDERS: JSON.stringify(providers.configs),
      PROVIDER_CALLBACK_URL: `http://127.0.0.1:${apiPort}`,
      QUOTE_CACHE_TTL_SECONDS: '0.001',
      RECONCILE_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'info',
    });
    workers.push(worker);
    await worker.waitFor(/worker polling/);
  }

  async function killAWorker() {
    const victim = workers.find((w) => w.child.exitCode === null && w.child.signalCode === null)!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    faults.push('worker SIGKILL');
    await startWorker();
  }

  /** A client that keeps its Idempotency-Key and retries through outages, as a well-behaved client does. */
  async function submitWithRetries(key: string): Promise<string> {
    const body = { ...orderBody(items), customerId: `faults-${key}` };
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(`http://127.0.0.1:${apiPort}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        if (response.status === 202 || response.status === 200) return ((await response.json()) as { id: string }).id;
      } catch {
        // API down or restarting: try again
      }
      if (attempt > 200) throw new Error(`could not submit ${key}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
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

  /** The orders still open, each with its workflow's status, pending activities and their last failure. */
  async function unfinished(client: Client, ids: string[]): Promise<string> {
    const lines: string[] = [];
    for (const id of ids) {
      const description = await client.workflow.getHandle(`order-${id}`).describe();
      if (description.status.name === 'COMPLETED') continue;
      const pending = (description.raw.pendingActivities ?? []).map(
        (a) => `${a.activityType?.name} attempt ${a.attempt} ${a.lastFailure?.message ?? ''}`.trim(),
      );
      const row = await prisma.order.findUnique({ where: { id }, select: { status: true } });
      lines.push(`order ${id}: workflow ${description.status.name}, read model ${row?.status ?? 'none'}, pending [${pending.join('; ')}]`);
    }
    const workersAlive = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null).length;
    return `${lines.length} open (${workersAlive} workers alive):\n${lines.join('\n')}`;
  }

  it(`keeps ${ORDERS} orders safe through provider errors, worker kills, a Temporal restart, a database outage and an API restart`, async () => {
    const keys = Array.from({ length: ORDERS }, (_, i) => `fault-order-${i}`);
    const submissions = keys.map((key, i) => new Promise<void>((resolve) => setTimeout(resolve, i * 50)).then(() => submitWithRetries(key)));

    await eventually(async () => (providers.simulator.placements('pizza').length >= ORDERS / 4 ? true : undefined), 60_000, 'orders flowing');
    await killAWorker();

    await temporal.stop();
    temporal = await startTemporalDevServer(temporalOptions);
    faults.push('Temporal server restart');

    await pg.stop();
    faults.push('PostgreSQL outage');
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // the outage itself
    pg = await startEmbeddedPostgres(pgOptions);

    await api!.stop();
    api = undefined;
    await startApiProcess();
    faults.push('API restart');
    await killAWorker();

    const ids = await within(120_000, 'every submission accepted', Promise.all(submissions));
    const connection = await Connection.connect({ address: temporal.address });
    const client = new Client({ connection });
    try {
      const results = await within(
        240_000,
        'every order finished',
        Promise.all(ids.map((id) => client.workflow.getHandle(`order-${id}`).result())),
        () => unfinished(client, ids),
      );
      assert.deepEqual(results.filter((r) => r.status !== 'COMPLETED'), [], 'every order completed');

      // Exactly one workflow per accepted order.
      let workflows = 0;
      for await (const _ of client.workflow.list({ query: `WorkflowType = 'orderWorkflow'` })) workflows++;
      const runs = new Set<string>();
      for await (const execution of client.workflow.list({ query: `WorkflowType = 'orderWorkflow'` })) runs.add(execution.workflowId);
      assert.equal(runs.size, ORDERS, 'one workflow id per order');
      assert.equal(new Set(ids).size, ORDERS, 'one order per idempotency key');

      // No provider placed a sub-order twice.
      const placements = (provider: string) => ids.map((id) => providers.simulator.placements(provider, id).length);
      assert.deepEqual(new Set(placements('pizza')), new Set([1]));
      assert.deepEqual(new Set(placements('sushi')), new Set([1]));

      // The read model equals each workflow's outcome (it catches up: projections are retried).
      await eventually(async () => {
        const rows = await prisma.order.findMany({ where: { id: { in: ids } }, select: { status: true } });
        return rows.length === ORDERS && rows.every((row) => row.status === 'COMPLETED') ? true : undefined;
      }, 60_000, 'the read model to show every order COMPLETED');
      const subOrders = await prisma.subOrder.findMany({ where: { orderId: { in: ids } } });
      assert.equal(subOrders.length, ORDERS * 2);
      assert.ok(subOrders.every((sub) => sub.status === 'DELIVERED'));

      const injected5xx = providers.simulator.requests.filter((r) => r.status >= 500).length;
      process.stdout.write(
        `      faults: ${faults.join(', ')}; ${injected5xx} provider 5xx/timeouts\n` +
          `      orders: ${ORDERS} accepted, ${results.length} completed, lost 0, duplicate placements 0 (${workflows} workflow executions)\n`,
      );
    } finally {
      await connection.close();
    }
  });
});
