/**
 * Orders under load, against the real stack (bench/lib/stack.ts: the API and the workers
 * are separate processes; providers answer instantly). Issue 7's items 1, 2, 3, 6 and 7;
 * every figure is the median of REPEATS runs, set against a baseline measured in the
 * same run:
 *
 *  1. throughput, POST /orders → workflow completed (2 providers), closed loop at rising
 *     concurrency until it stops rising — vs a bare workflow with the same number and
 *     shape of no-op activities on the same server (bench/baseline); history events per order;
 *  2. POST /orders latency at 25/50/80 % of the saturated rate, open loop — vs a refused
 *     POST /orders (400, same body size) sent at the same rate in between (the API's
 *     floor: HTTP, middleware, parsing; no database, no Temporal);
 *  3. read-model lag, the workflow decides COMPLETED → GET /orders/:id shows it — vs one
 *     GET /orders/:id of the same row (an observer cannot see a change sooner than one read);
 *  6. recovery: orders in flight, every worker (RECOVERY_WORKERS) SIGKILLed, as many
 *     started → time until all complete — vs the same orders undisturbed;
 *  7. memory: RSS of the API and the worker sampled during the throughput runs; the peak
 *     at the saturated level — vs the same processes' RSS idle after warm-up.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { againstBaseline, distribution, medianOf, progress, ratio, repeat, twoDecimals, type Table } from './lib/report';
import type { BenchSettings } from './lib/settings';
import { OPERATOR_TOKEN, ROOT, sampleRss, untilPrinted, type BenchStack } from './lib/stack';

const ITEMS = [
  { provider: 'pizza', sku: 'margherita', quantity: 2, unitPrice: '12.50' },
  { provider: 'sushi', sku: 'maki', quantity: 3, unitPrice: '4.20' },
];
/** The same body with a quantity the schema refuses: 400 before any database or Temporal call. */
const REFUSED_ITEMS = ITEMS.map((item) => ({ ...item, quantity: 0 }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function post(stack: BenchStack, items: unknown[], expected: number) {
  const started = performance.now();
  const response = await fetch(`${stack.apiUrl}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ customerId: 'bench', items, delivery: { address: 'bench' } }),
  });
  const latencyMs = performance.now() - started;
  const text = await response.text();
  if (response.status !== expected) throw new Error(`POST /orders answered ${response.status} (expected ${expected}): ${text}`);
  return { body: text ? JSON.parse(text) : {}, latencyMs };
}

async function submit(stack: BenchStack): Promise<{ id: string; workflowId: string; latencyMs: number }> {
  const { body, latencyMs } = await post(stack, ITEMS, 202);
  return { ...(body as { id: string; workflowId: string }), latencyMs };
}

const refusedSubmit = async (stack: BenchStack) => (await post(stack, REFUSED_ITEMS, 400)).latencyMs;
const completed = (stack: BenchStack, workflowId: string) => stack.client.workflow.getHandle(workflowId).result();

/** `concurrency` clients each run `one` and start the next when it ends, until `total` are done; returns per second. */
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

/** History events, activities and local activities of a finished order. */
async function orderShape(stack: BenchStack, workflowId: string) {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const count = (attribute: string) => events.filter((e) => (e as Record<string, unknown>)[attribute]).length;
  return { events: events.length, activities: count('activityTaskScheduledEventAttributes'), localActivities: count('markerRecordedEventAttributes') };
}

export async function benchOrders(stack: BenchStack, settings: BenchSettings) {
  const { repeats } = settings;
  const s = settings.orders;
  const baselineWorker = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'baseline', 'worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: stack.infra.temporalAddress },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const worker = await stack.startWorker();
    await untilPrinted(baselineWorker, 'worker polling');

    progress('orders: warm-up');
    // Warm up (bundling, connections, JIT) and learn the order's shape from five orders.
    const warm = [];
    for (let i = 0; i < 5; i++) {
      const order = await submit(stack);
      await completed(stack, order.workflowId);
      warm.push(await orderShape(stack, order.workflowId));
    }
    const shape = { events: medianOf(warm, (w) => w.events), activities: medianOf(warm, (w) => w.activities), localActivities: medianOf(warm, (w) => w.localActivities) };
    // Two parallel rounds (quotes, placements), then whatever other activities an order has.
    const rounds = [2, Math.max(shape.activities - 2, 0)].filter(Boolean);
    let baselineSeq = 0;
    const baselineOne = () =>
      stack.client.workflow.execute('baselineWorkflow', { workflowId: `baseline-${baselineSeq++}`, taskQueue: 'baseline', args: [rounds, shape.localActivities] });
    for (let i = 0; i < 5; i++) await baselineOne();
    const baselineEvents = (await stack.client.workflow.getHandle('baseline-0').fetchHistory()).events?.length ?? 0;

    // 7. Idle memory, after warm-up, with nothing running.
    const idleSampler = sampleRss({ api: stack.api.pid!, worker: worker.pid! });
    await sleep(3_000);
    const idle = idleSampler.stop();

    // 1. Throughput until saturation (7. sampling RSS during every run).
    const throughput: {
      concurrency: number;
      runs: { ordersPerSecond: number; baselinePerSecond: number; ratio: number; apiPeakMiB: number; workerPeakMiB: number; baselineWorkerPeakMiB: number }[];
    }[] = [];
    for (const concurrency of s.levels) {
      progress(`orders: throughput at concurrency ${concurrency}`);
      const runs = await repeat(repeats, async () => {
        const ours = sampleRss({ api: stack.api.pid!, worker: worker.pid! });
        const ordersPerSecond = await closedLoop(concurrency, s.ordersPerRun, async () => completed(stack, (await submit(stack)).workflowId));
        const peaks = ours.stop();
        const bare = sampleRss({ worker: baselineWorker.pid! });
        const baselinePerSecond = await closedLoop(concurrency, s.ordersPerRun, baselineOne);
        const barePeak = bare.stop();
        return {
          ordersPerSecond,
          baselinePerSecond,
          ratio: ordersPerSecond / baselinePerSecond,
          apiPeakMiB: peaks.api!,
          workerPeakMiB: peaks.worker!,
          baselineWorkerPeakMiB: barePeak.worker!,
        };
      });
      throughput.push({ concurrency, runs });
      const [previous, current] = throughput.slice(-2).map((level) => medianOf(level.runs, (r) => r.ordersPerSecond));
      if (throughput.length > 1 && current! < previous! * 1.1) break; // saturated
    }
    const perLevel = throughput.map((level) => ({
      concurrency: level.concurrency,
      ordersPerSecond: medianOf(level.runs, (r) => r.ordersPerSecond),
      baselinePerSecond: medianOf(level.runs, (r) => r.baselinePerSecond),
      ratioToBaseline: twoDecimals(medianOf(level.runs, (r) => r.ratio)),
    }));
    const saturatedLevel = throughput.reduce((best, level) =>
      medianOf(level.runs, (r) => r.ordersPerSecond) > medianOf(best.runs, (r) => r.ordersPerSecond) ? level : best,
    );
    const saturated = medianOf(saturatedLevel.runs, (r) => r.ordersPerSecond);

    // 2. Submit latency, open loop, at fractions of the saturated rate; the refused POST in between.
    const submitLatency = [];
    for (const fraction of [0.25, 0.5, 0.8]) {
      const rate = saturated * fraction;
      progress(`orders: submit latency at ${fraction * 100} % (${twoDecimals(rate)} orders/s)`);
      const runs = await repeat(repeats, async () => {
        const latencies: number[] = [];
        const baseline: number[] = [];
        const pending: Promise<unknown>[] = [];
        const started = performance.now();
        const at = (ms: number) => sleep(Math.max(0, started + ms - performance.now()));
        for (let i = 0; i < s.latencySamples; i++) {
          await at((i * 1000) / rate);
          pending.push(submit(stack).then((order) => (latencies.push(order.latencyMs), completed(stack, order.workflowId))));
          await at(((i + 0.5) * 1000) / rate);
          pending.push(refusedSubmit(stack).then((ms) => baseline.push(ms)));
        }
        await Promise.all(pending);
        return { ours: distribution(latencies), baseline: distribution(baseline) };
      });
      submitLatency.push({ load: `${fraction * 100} %`, ordersPerSecond: rate, samplesPerRun: s.latencySamples, ...againstBaseline(runs) });
    }

    // 3. Read-model lag: the workflow decides COMPLETED → GET /orders/:id shows it; every GET is also timed.
    progress('orders: read-model lag');
    const lagRuns = await repeat(repeats, async () => {
      const lags: number[] = [];
      const reads: number[] = [];
      for (let i = 0; i < s.lagSamples; i++) {
        const order = await submit(stack);
        for (;;) {
          const started = performance.now();
          const response = await fetch(`${stack.apiUrl}/orders/${order.id}`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
          const body = (await response.json()) as { status: string; history: { toStatus: string | null; at: string }[] };
          const seenAt = Date.now();
          reads.push(performance.now() - started);
          if (body.status === 'COMPLETED') {
            lags.push(seenAt - Date.parse(body.history.find((h) => h.toStatus === 'COMPLETED')!.at));
            break;
          }
          await sleep(2);
        }
      }
      return { ours: distribution(lags), baseline: distribution(reads) };
    });
    const readModelLag = { samplesPerRun: s.lagSamples, ...againstBaseline(lagRuns) };

    // 7. Memory at the saturated level vs idle.
    const memory = {
      saturatedConcurrency: saturatedLevel.concurrency,
      apiIdleMiB: idle.api!,
      apiPeakMiB: medianOf(saturatedLevel.runs, (r) => r.apiPeakMiB),
      apiRatio: ratio(medianOf(saturatedLevel.runs, (r) => r.apiPeakMiB), idle.api!),
      workerIdleMiB: idle.worker!,
      workerPeakMiB: medianOf(saturatedLevel.runs, (r) => r.workerPeakMiB),
      workerRatio: ratio(medianOf(saturatedLevel.runs, (r) => r.workerPeakMiB), idle.worker!),
      bareWorkerPeakMiB: medianOf(saturatedLevel.runs, (r) => r.baselineWorkerPeakMiB),
    };

    // 6. Recovery: slower providers keep orders in flight; SIGKILL every worker once all are placed, start as many.
    progress(`orders: recovery (${s.recoveryWorkers} workers)`);
    for (let i = 1; i < s.recoveryWorkers; i++) await stack.startWorker();
    stack.simulator.configure('pizza', { stepMs: 300 });
    stack.simulator.configure('sushi', { stepMs: 300 });
    const inFlight = async (kill: boolean) => {
      const orders = await Promise.all(Array.from({ length: s.recoveryOrders }, () => submit(stack)));
      const started = performance.now();
      if (kill) {
        while (!orders.every((o) => stack.simulator.placements('pizza', o.id).length && stack.simulator.placements('sushi', o.id).length)) await sleep(20);
        const live = stack.workers.filter((w) => w.exitCode === null && w.signalCode === null);
        await Promise.all(live.map(stack.kill));
        await Promise.all(live.map(() => stack.startWorker()));
      }
      await Promise.all(orders.map((o) => completed(stack, o.workflowId)));
      return (performance.now() - started) / 1000;
    };
    const recoveryRuns = await repeat(repeats, async () => {
      const undisturbedSeconds = await inFlight(false);
      const recoverySeconds = await inFlight(true);
      return { undisturbedSeconds, recoverySeconds, ratio: recoverySeconds / undisturbedSeconds };
    });
    stack.simulator.configure('pizza', { stepMs: 0 });
    stack.simulator.configure('sushi', { stepMs: 0 });
    const recovery = {
      orders: s.recoveryOrders,
      workersKilled: s.recoveryWorkers,
      undisturbedSeconds: medianOf(recoveryRuns, (r) => r.undisturbedSeconds),
      recoverySeconds: medianOf(recoveryRuns, (r) => r.recoverySeconds),
      ratio: twoDecimals(medianOf(recoveryRuns, (r) => r.ratio)),
    };

    const tables: Table[] = [
      { title: '1. End-to-end throughput (orders/s)', rows: perLevel, note: `Closed loop, ${s.ordersPerRun} orders per run; baseline: a bare workflow with the same activities doing nothing.` },
      { title: '1. Engine cost per order (median of 5 orders)', rows: [{ ...shape, baselineEvents }] },
      { title: '2. POST /orders latency (open loop)', rows: submitLatency, note: 'Baseline: a refused POST /orders (400, same body size) sent at the same rate, half a period after each submit.' },
      { title: '3. Read-model lag (ms)', rows: [readModelLag], note: 'Baseline: one GET /orders/:id of the same row, timed in the same polling loop.' },
      { title: '6. Recovery from SIGKILL of every worker', rows: [recovery], note: 'Seconds from the last submission until every order completed; providers step every 300 ms.' },
      { title: '7. Memory (RSS, MiB) at the saturated level', rows: [memory], note: 'Sampled every 100 ms during the throughput runs; idle = 3 s after warm-up with nothing running.' },
    ];
    const results = {
      shape: { ...shape, baselineEvents },
      throughput: perLevel,
      throughputRuns: throughput,
      submitLatency,
      readModelLag,
      recovery,
      recoveryRuns,
      memory,
      loadAverage: os.loadavg(),
    };
    return { results, tables };
  } finally {
    baselineWorker.kill('SIGKILL');
    await stack.stopWorkers();
  }
}
