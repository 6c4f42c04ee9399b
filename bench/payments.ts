/**
 * Payments (issue 7, item 5): update round trips on one hot order and across many, over
 * HTTP and straight from a Temporal client. Each scenario has its own baseline at the
 * same concurrency against the same orders, measured in the same run: an `act` update
 * the workflow's validator refuses (the engine's update round trip to the worker and
 * back, recording nothing). Every figure is the median of REPEATS runs.
 *
 * The orders are at the `till` provider, which accepts and never delivers, so they stay
 * open; every payment is 0.01 of a 12 500.00 bill. The Temporal-client and HTTP payments
 * each get fresh orders (an order takes at most MAX_TRANSACTIONS payments); the baseline
 * runs on the client's, before its payments.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { MAX_TRANSACTIONS } from '../src/domain/payments';
import { actUpdate } from '../src/workflows/orders/messages';
import { distribution, medianOf, progress, repeat, twoDecimals, type Table } from './lib/report';
import type { BenchSettings } from './lib/settings';
import { operatorHeaders, type BenchStack } from './lib/stack';

interface OpenOrder {
  id: string;
  workflowId: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const operator = { role: 'operator' as const, id: 'bench' };

async function openOrder(stack: BenchStack): Promise<OpenOrder> {
  const response = await fetch(`${stack.apiUrl}/orders`, {
    method: 'POST',
    headers: operatorHeaders,
    body: JSON.stringify({
      customerId: `bench-${randomUUID()}`,
      items: [{ provider: 'till', sku: 'receipt', quantity: 1000, unitPrice: '12.50' }],
      delivery: { address: '1 Bench Street' },
    }),
  });
  if (response.status !== 202) throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
  const order = (await response.json()) as OpenOrder;
  for (;;) {
    const seen = (await (await fetch(`${stack.apiUrl}/orders/${order.id}`, { headers: operatorHeaders })).json()) as { billing?: { total?: string } };
    if (seen.billing?.total === '12500.00') return order;
    await sleep(50);
  }
}

/** Runs `n` calls with `concurrency` in flight; returns calls per second and each call's round trip. */
async function measure(n: number, concurrency: number, call: () => Promise<unknown>) {
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
  return { perSecond: n / ((performance.now() - started) / 1000), ...distribution(latencies) };
}

export async function benchPayments(stack: BenchStack, settings: BenchSettings) {
  const { updates, concurrency, orders: orderCount } = settings.payments;
  if (updates > MAX_TRANSACTIONS) throw new Error(`PAYMENTS must be at most ${MAX_TRANSACTIONS}: the hot order takes every payment of a measurement, and an order takes at most ${MAX_TRANSACTIONS}`);
  await stack.startWorker();
  try {
    const handle = (order: OpenOrder) => stack.client.workflow.getHandle(order.workflowId);
    const refused = (order: OpenOrder) =>
      handle(order)
        .executeUpdate(actUpdate, { args: [{ action: { type: 'openGate' }, actor: operator }] })
        .then(
          () => Promise.reject(new Error('expected the update to be refused')),
          (error: unknown) => (error instanceof WorkflowUpdateFailedError ? undefined : Promise.reject(error)),
        );
    const viaClient = (order: OpenOrder) => {
      const id = `bench-${randomUUID()}`;
      return handle(order).executeUpdate(actUpdate, {
        updateId: `txn:${id}`,
        args: [{ action: { type: 'pay', payment: { kind: 'payment', id, method: 'card', amount: 1 } }, actor: operator }],
      });
    };
    const viaHttp = async (order: OpenOrder) => {
      const response = await fetch(`${stack.apiUrl}/orders/${order.id}/payments`, {
        method: 'POST',
        headers: operatorHeaders,
        body: JSON.stringify({ transactionId: `bench-${randomUUID()}`, method: 'card', amount: '0.01' }),
      });
      if (response.status !== 200) throw new Error(`payment answered ${response.status}: ${await response.text()}`);
    };
    /** Round-robin over `targets`. */
    const over = (targets: OpenOrder[], one: (order: OpenOrder) => Promise<unknown>) => {
      let i = 0;
      return () => one(targets[i++ % targets.length]!);
    };

    const scenarios = [
      { scenario: 'one hot order', concurrency, targets: 'hot' as const },
      { scenario: 'one hot order, one at a time', concurrency: 1, targets: 'hot' as const },
      { scenario: `${orderCount} orders`, concurrency, targets: 'many' as const },
    ];
    // Warm-up: JIT, connection pools, the worker's workflow cache.
    const warm = await Promise.all(Array.from({ length: Math.min(orderCount, 4) }, () => openOrder(stack)));
    await measure(50, concurrency, over(warm, viaHttp));

    // Fresh orders for every payment measurement: an order takes at most MAX_TRANSACTIONS payments.
    const fresh = (targets: 'hot' | 'many') => Promise.all(Array.from({ length: targets === 'hot' ? 1 : orderCount }, () => openOrder(stack)));
    const runs = await repeat(settings.repeats, async () => {
      const results = [];
      for (const scenario of scenarios) {
        const [forClient, forHttp] = await Promise.all([fresh(scenario.targets), fresh(scenario.targets)]);
        progress(`payments: ${scenario.scenario}, concurrency ${scenario.concurrency}`);
        const baseline = await measure(updates, scenario.concurrency, over(forClient, refused));
        const client = await measure(updates, scenario.concurrency, over(forClient, viaClient));
        const http = await measure(updates, scenario.concurrency, over(forHttp, viaHttp));
        results.push({ baseline, client, http });
      }
      return results;
    });

    const rows = scenarios.flatMap((scenario, i) => {
      const runsOf = runs.map((run) => run[i]!);
      const row = (way: string, pick: (r: (typeof runsOf)[number]) => Awaited<ReturnType<typeof measure>>) => ({
        scenario: scenario.scenario,
        update: way,
        concurrency: scenario.concurrency,
        n: updates,
        perSecond: medianOf(runsOf, (r) => pick(r).perSecond),
        p50Ms: medianOf(runsOf, (r) => pick(r).p50),
        p99Ms: medianOf(runsOf, (r) => pick(r).p99),
        perSecondRatio: twoDecimals(medianOf(runsOf, (r) => pick(r).perSecond / r.baseline.perSecond)),
        p50Ratio: twoDecimals(medianOf(runsOf, (r) => pick(r).p50 / r.baseline.p50)),
        p99Ratio: twoDecimals(medianOf(runsOf, (r) => pick(r).p99 / r.baseline.p99)),
      });
      return [row('baseline: refused update', (r) => r.baseline), row('payment, Temporal client', (r) => r.client), row('payment, HTTP', (r) => r.http)];
    });
    const tables: Table[] = [
      {
        title: '5. Payments: update round trips',
        rows,
        note: `${updates} updates per measurement; ratios are to the refused update at the same concurrency on the same orders, per run, then the median.`,
      },
    ];
    return { results: { rows, runs, loadAverage: os.loadavg() }, tables };
  } finally {
    await stack.stopWorkers();
  }
}
