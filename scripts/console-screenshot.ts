/**
 * Takes the README's screenshot of the console's order view against a running
 * `npm start` (or any API with the sandbox's demo providers):
 *
 *   npx tsx scripts/console-screenshot.ts [apiUrl] [operatorToken] [out.png]
 *
 * Submits a two-provider demo order, confirms its quoted price, takes a partial card payment, lets it run for a
 * while, marks it delayed so the timeline shows an operator action, and photographs the order view.
 */
import { randomUUID } from 'node:crypto';
import { launchBrowser } from '../test/harness/browser';

const [apiUrl = 'http://localhost:3000', token = 'sandbox-operator-token', out = 'docs/images/console-order.png'] = process.argv.slice(2);
const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${apiUrl}${path}`, { method: 'POST', headers: { ...auth, ...headers }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

async function main() {
  const order = await post(
    '/orders',
    {
      customerId: 'acme-manufacturing',
      items: [
        { provider: 'pizza', sku: 'margherita', quantity: 4, unitPrice: '12.50' },
        { provider: 'sushi', sku: 'maki-set', quantity: 2, unitPrice: '18.40' },
      ],
      delivery: { address: '12 Foundry Lane, Sheffield', contactName: 'Dana at reception' },
    },
    { 'idempotency-key': randomUUID() },
  );
  // The demo providers quote their own prices, so the order may wait for confirmation first.
  await new Promise((r) => setTimeout(r, 3_000));
  const seen = (await (await fetch(`${apiUrl}/orders/${order.id}`, { headers: auth })).json()) as { status: string };
  if (seen.status === 'AWAITING_CONFIRMATION') await post(`/orders/${order.id}/confirm`, {});
  await new Promise((r) => setTimeout(r, 4_000));
  await post(`/orders/${order.id}/payments`, { transactionId: randomUUID(), method: 'card', amount: '100.00' });
  await new Promise((r) => setTimeout(r, 4_000));
  await post(`/orders/${order.id}/delay`, { reason: 'kitchen reported a 20 minute backlog' }).catch((e) => console.warn(String(e)));
  await new Promise((r) => setTimeout(r, 3_000));

  const browser = await launchBrowser();
  try {
    const { page } = browser;
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${apiUrl}/console/`);
    await page.fill('#token', token);
    await page.click('button[type=submit]');
    await page.waitForSelector('table.orders');
    await page.goto(`${apiUrl}/console/#/orders/${order.id}`);
    await page.waitForSelector('#timeline');
    await page.screenshot({ path: out, fullPage: true });
    console.log(`order ${order.id}: ${out}`);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
