/**
 * Orders under load, against the real stack (Temporal dev server, PostgreSQL, API and
 * worker processes, simulated providers answering instantly). Every figure is the median
 * of REPEATS runs and is set against a baseline measured in the same run:
 *
 *  1. end-to-end throughput (POST /orders → workflow completed, 2 providers per order) at
 *     rising concurrency until it saturates, vs. a bare workflow with the same number and
 *     shape of no-op activities on the same server; history events per order;
 *  2. POST /orders latency at 25 %, 50 % and 80 % of the saturated rate (open loop);
 *  3. read-model lag: workflow decides COMPLETED → GET /orders/:id shows it;
 *  4. recovery: orders in flight, the worker SIGKILLed and replaced → time until all
 *     complete, vs. the same orders without the kill;
 *  5. peak memory (RSS) of the API and worker processes.
 *
 *   npx tsx bench/orders.ts            (REPEATS=3 ORDERS_PER_RUN=40 by default)
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { median, percentile, printTable, ratio, writeResults } from './lib/report';
import { OPERATOR_TOKEN, peakRssMiB, ROOT, startBenchStack, untilPrinted, type BenchStack } from './lib/stack';

const REPEATS = Number(process.env.REPEATS ?? 3);
const ORDERS_PER_RUN = Number(process.env.ORDERS_PER_RUN ?? 40);
const LEVELS = [1, 4, 16, 32, 64];
const ITEMS = [
  { provider: 'pizza', sku: 'margherita', quantity: 2, unitPrice: '12.50' },
  { provider: 'sushi', sku: 'maki', quantity: 3, unitPrice: '4.20' },
];
const instant = { prices: { margherita: 1250, maki: 420 }, acceptAfterMs: 0, stepMs: 0 };

async function submit(stack: BenchStack): Promise<{ id: string; workflowId: string; latencyMs: number }> {
  const started = performance.now();
  const response = await fetch(`${stack.apiUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerId: 'bench', items: ITEMS, delivery: { address: 'bench' } }),
  });
  const latencyMs = performance.now() - started;
  if (response.status !== 202) throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { id: string; workflowId: string };
  return { ...body, latencyMs };
}

const completed = (stack: BenchStack, workflowId: string) => stack.client.workflow.getHandle(workflowId).result();

/** `concurrency` clients each submit an order and wait for it to complete, until `total` are done. */
async function closedLoop(concurrency: number, total: number, one: () => Promise<unknown>): Promise<number> {
  let issued = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < total) {
        issued++;
        await one();
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

async function repeat(times: number, run: () => Promise<number>): Promise<number> {
  const results: number[] = [];
  for (let i = 0; i < times; i++) results.push(await run());
  return median(results);
}

async function orderShape(stack: BenchStack) {
  const order = await submit(stack);
  await completed(stack, order.workflowId);
  const history = await stack.client.workflow.getHandle(order.workflowId).fetchHistory();
  const events = history.events ?? [];
  const count = (attribute: string) => events.filter((e) => (e as Record<string, unknown>)[attribute]).length;
  return {
    events: events.length,
    activities: count('activityTaskScheduledEventAttributes'),
    localActivities: count('markerRecordedEventAttributes'),
  };
}

async function main() {
  const stack = await startBenchStack({ pizza: instant, sushi: instant });
  const baselineWorker = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'baseline', 'worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: stack.infra.temporalAddress },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const worker = await stack.startWorker();
    await untilPrinted(baselineWorker, 'worker polling');

    // Warm up both paths (bundling, connections, JIT), then learn the order's shape.
    for (let i = 0; i < 5; i++) await completed(stack, (await submit(stack)).workflowId);
    const shape = await orderShape(stack);
    // Two parallel rounds (quotes, placements); the rest of the regular activities none here.
    const rounds = [2, Math.max(shape.activities - 2, 0)].filter(Boolean);
    let baselineSeq = 0;
    const baselineOne = () =>
      stack.client.workflow.execute('baselineWorkflow', {
        workflowId: `baseline-${baselineSeq++}`,
        taskQueue: 'baseline',
        args: [rounds, shape.localActivities],
      });
    for (let i = 0; i < 5; i++) await baselineOne();
    const baselineHistory = await stack.client.workflow.getHandle(`baseline-0`).fetchHistory();

    // 1. Throughput until saturation.
    const throughput: { concurrency: number; ordersPerSecond: number; baselinePerSecond: number }[] = [];
    for (const concurrency of LEVELS) {
      const ordersPerSecond = await repeat(REPEATS, () =>
        closedLoop(concurrency, ORDERS_PER_RUN, async () => completed(stack, (await submit(stack)).workflowId)),
      );
      const baselinePerSecond = await repeat(REPEATS, () => closedLoop(concurrency, ORDERS_PER_RUN, baselineOne));
      throughput.push({ concurrency, ordersPerSecond, baselinePerSecond });
      const previous = throughput.at(-2);
      if (previous && ordersPerSecond < previous.ordersPerSecond * 1.1) break; // saturated
    }
    const saturated = Math.max(...throughput.map((t) => t.ordersPerSecond));

    // 2. Submit latency under open-loop load at fractions of the saturated rate.
    const submitLatency: { load: string; rate: number; medianMs: number; p99Ms: number }[] = [];
    for (const fraction of [0.25, 0.5, 0.8]) {
      const rate = saturated * fraction;
      const latencies: number[] = [];
      const pending: Promise<unknown>[] = [];
      const count = Math.max(20, Math.round(rate * 8));
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        const due = started + (i * 1000) / rate;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
        pending.push(submit(stack).then((order) => (latencies.push(order.latencyMs), completed(stack, order.workflowId))));
      }
      await Promise.all(pending);
      submitLatency.push({ load: `${fraction * 100} %`, rate: Math.round(rate * 10) / 10, medianMs: median(latencies), p99Ms: percentile(latencies, 99) });
    }

    // 3. Read-model lag: the workflow decides COMPLETED → the API shows it.
    const lags: number[] = [];
    for (let i = 0; i < 30; i++) {
      const order = await submit(stack);
      for (;;) {
        const response = await fetch(`${stack.apiUrl}/orders/${order.id}`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
        const body = (await response.json()) as { status: string; history: { toStatus: string | null; at: string }[] };
        if (body.status === 'COMPLETED') {
          const decided = Date.parse(body.history.find((h) => h.toStatus === 'COMPLETED')!.at);
          lags.push(Date.now() - decided);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    }

    // 5. Memory after the saturated runs.
    const memory = { apiPeakRssMiB: peakRssMiB(stack.api.pid!), workerPeakRssMiB: peakRssMiB(worker.pid!) };

    // 4. Recovery: slower providers keep orders in flight; kill the worker mid-way.
    stack.simulator.configure('pizza', { stepMs: 300 });
    stack.simulator.configure('sushi', { stepMs: 300 });
    const inFlight = async (kill: boolean) => {
      const orders = await Promise.all(Array.from({ length: 40 }, () => submit(stack)));
      const started = performance.now();
      if (kill) {
        while (!orders.every((o) => stack.simulator.placements('pizza', o.id).length)) await new Promise((r) => setTimeout(r, 20));
        const victim = stack.workers.at(-1)!;
        victim.kill('SIGKILL');
        await new Promise((resolve) => victim.once('exit', resolve));
        await stack.startWorker();
      }
      await Promise.all(orders.map((o) => completed(stack, o.workflowId)));
      return (performance.now() - started) / 1000;
    };
    const undisturbedSeconds = await inFlight(false);
    const recoverySeconds = await inFlight(true);

    const results = {
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
      repeats: REPEATS,
      ordersPerRun: ORDERS_PER_RUN,
      shape: { ...shape, baselineEvents: baselineHistory.events?.length ?? 0 },
      throughput: throughput.map((t) => ({ ...t, ratioToBaseline: ratio(t.ordersPerSecond, t.baselinePerSecond) })),
      submitLatency,
      readModelLagMs: { median: median(lags), p99: percentile(lags, 99) },
      recovery: { orders: 40, undisturbedSeconds, recoverySeconds, ratio: ratio(recoverySeconds, undisturbedSeconds) },
      memory,
    };
    printTable('end-to-end throughput (orders/s, median)', results.throughput);
    printTable('engine cost per order', [results.shape]);
    printTable('POST /orders latency (open loop)', submitLatency);
    printTable('read-model lag (ms)', [results.readModelLagMs]);
    printTable('recovery from SIGKILL of the worker (40 orders in flight)', [results.recovery]);
    printTable('peak RSS (MiB)', [memory]);
    writeResults('orders', results);
  } finally {
    baselineWorker.kill('SIGKILL');
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
