/**
 * Accrual polling (issue 7, item 4; issue 4's benchmark): N users upload M orders each
 * against the accrual simulator with a rate limit. This service's design (a workflow per
 * order, durable timers, the shared 429 gate, a rate-capped task queue; one worker
 * process on the bench stack) against the naive design of seed 003 (one loop polling
 * every pending order every 5 s, pausing on 429), in the same run, against identical
 * simulators and workloads. Every figure is the median of REPEATS runs, the ratios are
 * per run (ours ÷ naive) and then their median; requests inside Retry-After windows are
 * the total over all runs (it must be 0).
 *
 * "Ready" is when the simulator would first answer PROCESSED; "credited" is the credit
 * row's commit time (database clock, same machine) — for the naive loop, the moment it
 * saw the answer (it writes nothing, so it is favoured).
 */
import { randomInt, randomUUID } from 'node:crypto';
import os from 'node:os';
import { withLuhnCheckDigit } from '../src/domain/loyalty/luhn';
import { createPrisma } from '../src/infra/database';
import { requestsInsideRetryAfterWindows, startAccrualSimulator, type AccrualSimulator, type OrderTiming } from '../src/simulators/accrual/server';
import { distribution, medianOf, progress, repeat, twoDecimals, type Table } from './lib/report';
import type { BenchSettings } from './lib/settings';
import type { BenchStack } from './lib/stack';

type Params = BenchSettings['accrual'];

interface Job {
  number: string;
  timing: OrderTiming;
  readyAt?: number;
}

interface Run {
  orders: number;
  credited: number;
  requestsPerOrder: number;
  rateLimited: number;
  insideRetryAfterWindows: number;
  readyToCredited: { p50: number; p99: number };
  wallSeconds: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const freshNumber = () => withLuhnCheckDigit(`${Date.now()}${randomInt(1e9, 9e9)}`);

function workload(params: Params): Job[][] {
  return Array.from({ length: params.users }, () =>
    Array.from({ length: params.ordersPerUser }, () => {
      const ready = randomInt(params.readyMinMs, params.readyMaxMs + 1);
      const registeredMs = Math.floor(ready / 2);
      return { number: freshNumber(), timing: { registeredMs, processingMs: ready - registeredMs } };
    }),
  );
}

function register(simulator: AccrualSimulator, job: Job): void {
  simulator.registerOrder(job.number, [{ description: 'bench item', price: 199.99 }], job.timing);
  job.readyAt = Date.now() + job.timing.registeredMs + job.timing.processingMs;
}

async function simulator(params: Params): Promise<AccrualSimulator> {
  const sim = await startAccrualSimulator({ behaviour: { requestsPerWindow: params.requestsPerWindow, windowMs: params.windowMs } });
  sim.addRule({ match: 'bench', reward: 5, reward_type: '%' });
  return sim;
}

/** The run's figures, from the simulator's log from entry `from` on (after any warm-up). */
function summarise(sim: AccrualSimulator, from: number, jobs: Job[], creditedAt: Map<string, number>, started: number): Run {
  const log = sim.log.slice(from);
  const requests = log.filter((entry) => entry.path.startsWith('/api/orders/')).length;
  const latencies = jobs.filter((job) => creditedAt.has(job.number)).map((job) => creditedAt.get(job.number)! - job.readyAt!);
  return {
    orders: jobs.length,
    credited: creditedAt.size,
    requestsPerOrder: requests / jobs.length,
    rateLimited: log.filter((entry) => entry.status === 429).length,
    insideRetryAfterWindows: requestsInsideRetryAfterWindows(log).length,
    readyToCredited: distribution(latencies),
    wallSeconds: (Date.now() - started) / 1000,
  };
}

/** Users register and upload through the API; one worker process (of the stack) polls with its accrual configuration. */
async function ours(stack: BenchStack, params: Params): Promise<Run> {
  const sim = await simulator(params);
  const worker = await stack.startWorker({
    ...stack.workerEnv,
    ACCRUAL_SYSTEM_ADDRESS: sim.url,
    ACCRUAL_TASK_QUEUE: `bench-accrual-${randomUUID()}`,
    ACCRUAL_MAX_REQUESTS_PER_SECOND: String(params.maxRequestsPerSecond),
  });
  const prisma = createPrisma(stack.infra.databaseUrl, 4);
  const uploadAll = (users: Job[][]) =>
    Promise.all(
      users.map(async (userJobs) => {
        const registered = await fetch(`${stack.apiUrl}/api/user/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ login: `bench-${randomUUID()}`, password: 'bench' }),
        });
        const authorization = registered.headers.get('authorization')!;
        for (const job of userJobs) {
          register(sim, job);
          const uploaded = await fetch(`${stack.apiUrl}/api/user/orders`, { method: 'POST', headers: { authorization, 'content-type': 'text/plain' }, body: job.number });
          if (uploaded.status !== 202) throw new Error(`upload answered ${uploaded.status}`);
        }
      }),
    );
  const credited = async (jobs: Job[]) => {
    const numbers = jobs.map((job) => job.number);
    const deadline = Date.now() + 10 * 60_000;
    while ((await prisma.loyaltyAccrualCredit.count({ where: { orderNumber: { in: numbers } } })) < jobs.length && Date.now() < deadline) await sleep(200);
    return prisma.loyaltyAccrualCredit.findMany({ where: { orderNumber: { in: numbers } } });
  };
  try {
    // Warm the fresh worker up (workflow code, JIT, connections): five orders, ready at once, not counted.
    const warmUp = [Array.from({ length: 5 }, () => ({ number: freshNumber(), timing: { registeredMs: 0, processingMs: 0 } }))];
    await uploadAll(warmUp);
    await credited(warmUp.flat());
    const from = sim.log.length;
    const users = workload(params);
    const jobs = users.flat();
    const started = Date.now();
    await uploadAll(users);
    const credits = await credited(jobs);
    return summarise(sim, from, jobs, new Map(credits.map((c) => [c.orderNumber, c.creditedAt.getTime()])), started);
  } finally {
    await prisma.$disconnect();
    await stack.kill(worker);
    await sim.close();
  }
}

/** Seed 003's simple variant: one loop, every pending order every 5 s, everyone pauses on 429. */
async function naive(params: Params): Promise<Run> {
  const sim = await simulator(params);
  try {
    const jobs = workload(params).flat();
    const started = Date.now();
    for (const job of jobs) register(sim, job);
    const pending = new Set(jobs.map((job) => job.number));
    const creditedAt = new Map<string, number>();
    const deadline = Date.now() + 10 * 60_000;
    while (pending.size > 0 && Date.now() < deadline) {
      const roundStarted = Date.now();
      for (const number of [...pending]) {
        const response = await fetch(`${sim.url}/api/orders/${number}`);
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
    return summarise(sim, 0, jobs, creditedAt, started);
  } finally {
    await sim.close();
  }
}

export async function benchAccrual(stack: BenchStack, settings: BenchSettings) {
  const params = settings.accrual;
  const runs = await repeat(settings.repeats, async (i) => {
    progress(`accrual: run ${i + 1} of ${settings.repeats}, workflows then naive`);
    return { ours: await ours(stack, params), naive: await naive(params) };
  });
  const row = (design: string, pick: (run: (typeof runs)[number]) => Run) => ({
    design,
    orders: medianOf(runs, (r) => pick(r).orders),
    credited: medianOf(runs, (r) => pick(r).credited),
    requestsPerOrder: medianOf(runs, (r) => pick(r).requestsPerOrder),
    rateLimited: medianOf(runs, (r) => pick(r).rateLimited),
    insideRetryAfterTotal: runs.reduce((sum, r) => sum + pick(r).insideRetryAfterWindows, 0),
    readyToCreditedP50Ms: medianOf(runs, (r) => pick(r).readyToCredited.p50),
    readyToCreditedP99Ms: medianOf(runs, (r) => pick(r).readyToCredited.p99),
    wallSeconds: medianOf(runs, (r) => pick(r).wallSeconds),
    requestsRatio: twoDecimals(medianOf(runs, (r) => pick(r).requestsPerOrder / r.naive.requestsPerOrder)),
    p50Ratio: twoDecimals(medianOf(runs, (r) => pick(r).readyToCredited.p50 / r.naive.readyToCredited.p50)),
    p99Ratio: twoDecimals(medianOf(runs, (r) => pick(r).readyToCredited.p99 / r.naive.readyToCredited.p99)),
  });
  const rows = [row('workflow per order (this service)', (r) => r.ours), row('naive: poll all every 5 s', (r) => r.naive)];
  const tables: Table[] = [
    {
      title: '4. Accrual efficiency',
      rows,
      note:
        `${params.users} users × ${params.ordersPerUser} orders, ready ${params.readyMinMs}–${params.readyMaxMs} ms after upload; ` +
        `accrual limit ${params.requestsPerWindow} requests per ${params.windowMs} ms, our cap ${params.maxRequestsPerSecond}/s. Ratios: this design ÷ naive, per run.`,
    },
  ];
  return { results: { params, rows, runs, loadAverage: os.loadavg() }, tables };
}
