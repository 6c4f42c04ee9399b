/**
 * The operator console end to end in a real headless Chromium: log in, find an order,
 * cancel it and watch the timeline update; see a refusal; confirm quoted prices; work the
 * queue, and lose a held item by walking away from it. Everything
 * behind the page is real: the API, a worker, Temporal, PostgreSQL, simulated providers.
 * Screenshots land in test-results/screenshots/.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../harness/browser';
import { eventually, request } from '../harness/http';
import { orderBody, submit, waitForStatus } from '../harness/orders';
import { pay } from '../harness/payments';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { OPERATOR_TOKEN, operatorAuth, startServices, type TestServices } from '../harness/services';

const prices = { margherita: 1250, maki: 420 };
const PIZZA = { provider: 'pizza', sku: 'margherita', quantity: 2, unitPrice: '12.50' };
const SUSHI = { provider: 'sushi', sku: 'maki', quantity: 3, unitPrice: '4.20' };

describe('operator console in a browser', function () {
  this.timeout(90_000);
  let providers: SimulatedProviders;
  let services: TestServices;
  let browser: TestBrowser;
  let page: Page;

  before(async () => {
    browser = await launchBrowser();
    page = browser.page;
    // Providers accept but never progress, so orders stay live until an operator acts; `broken` rejects everything.
    providers = await startProviders({ pizza: { behavior: { prices, stepMs: null } }, sushi: { behavior: { prices, stepMs: null } }, broken: { behavior: { prices, reject: true } } });
    services = await startServices({ providers: providers.configs });
  });
  after(async () => {
    await browser?.close();
    await services?.stop();
    await providers?.simulator.stop();
  });

  async function logIn(apiUrl = services.apiUrl) {
    await page.goto(`${apiUrl}/console/`);
    await page.waitForURL(/#\/login$/);
    await page.fill('#token', OPERATOR_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:text("Orders")');
  }

  it('rejects a wrong token on the login page', async () => {
    await page.goto(`${services.apiUrl}/console/`);
    await page.fill('#token', 'not-an-operator-token-at-all');
    await page.click('button[type=submit]');
    const failure = await page.waitForSelector('.failure');
    assert.match(await failure.innerText(), /401 unauthorized/);
  });

  it('logs in, finds an order by customer, cancels it, and sees the timeline update', async () => {
    const order = await submit(services.apiUrl, orderBody([PIZZA, SUSHI])); // 25.00 + 12.60
    await waitForStatus(services.apiUrl, order.id, 'DISPATCHED');
    assert.equal((await pay(services.apiUrl, order.id, 'cash', '10.00')).status, 200);
    await logIn();

    await page.fill('#filter-customerId', order.customerId);
    await page.press('#filter-customerId', 'Enter');
    // Rows answering the filter (the unfiltered list is on screen until they arrive).
    const filtered = `#orders-table[data-query*="customerId=${order.customerId}"]`;
    await page.waitForSelector(filtered);
    const rows = page.locator(`${filtered} table.orders tbody tr`);
    assert.equal(await rows.count(), 1, 'the customer filter narrows the list to the order');
    await page.click(`a[href="#/orders/${order.id}"]`);

    await page.waitForSelector('#timeline li[data-to-status="DISPATCHED"]');
    assert.match(await page.locator('#sub-orders').innerText(), /pizza[\s\S]*sushi/);
    assert.equal(await page.getAttribute('#temporal-link', 'href'), `http://temporal-ui.test/namespaces/default/workflows/${order.workflowId}`);
    await page.waitForSelector('#payments td:text("cash")');
    assert.equal(await page.locator('#balance-due').innerText(), '27.60');
    assert.match(await page.locator('#loyalty').innerText(), /no accrual/);
    await browser.screenshot('order-before-cancel');

    await page.fill('#reason', 'customer called to cancel');
    await page.click('#action-cancel');
    await page.waitForSelector('.success:text("accepted")');
    // The timeline shows the cancellation without a reload (the view polls the API).
    const cancelled = await page.waitForSelector('#timeline li[data-to-status="CANCELLED"]', { timeout: 20_000 });
    assert.match(await cancelled.innerText(), /customer called to cancel|operator:test-operator/);
    await page.waitForSelector('#summary .status-CANCELLED');
    // Cancelling a partly paid order refunds what was taken; the payments card shows it.
    await page.waitForSelector('#payments td:text("refund")', { timeout: 20_000 });
    assert.match(await page.locator('#billing').innerText(), /paid 10\.00 · refunded 10\.00/);
    await browser.screenshot('order-cancelled');
  });

  it('shows the server refusal: force-completing an order that awaits confirmation is a 409', async () => {
    const order = await submit(services.apiUrl, orderBody([{ ...PIZZA, unitPrice: null }]));
    await waitForStatus(services.apiUrl, order.id, 'AWAITING_CONFIRMATION');
    await page.goto(`${services.apiUrl}/console/#/orders/${order.id}`);
    await page.waitForSelector('#summary .status-AWAITING_CONFIRMATION');
    await page.fill('#reason', 'try to finish it');
    await page.click('#action-complete');
    const failure = await page.waitForSelector('#action-result .failure');
    const text = await failure.innerText();
    assert.match(text, /409 not_dispatched/);
    assert.match(text, /never dispatched/);
    assert.match(text, /AWAITING CONFIRMATION/);
    await browser.screenshot('order-refusal');
  });

  it('shows each item at its quoted price, confirms the order, and shows a second confirm refused', async () => {
    const order = await submit(services.apiUrl, orderBody([{ ...PIZZA, unitPrice: '10.00' }])); // pizza quotes 12.50
    await waitForStatus(services.apiUrl, order.id, 'AWAITING_CONFIRMATION');
    await page.goto(`${services.apiUrl}/console/#/orders/${order.id}`);
    await page.waitForSelector('#summary .status-AWAITING_CONFIRMATION');
    await page.waitForSelector('#items');
    const [price, asked] = await page.locator('#items tbody tr td.num').allInnerTexts().then((cells) => cells.slice(1));
    assert.deepEqual([price, asked], ['12.50', '10.00'], 'the unit price is the quoted one; the customer\'s is beside it');
    await browser.screenshot('order-awaiting-confirmation');

    await page.click('#action-confirm');
    await page.waitForSelector('.success:text("Confirm: accepted")', { timeout: 20_000 });
    await page.waitForSelector('#timeline li[data-to-status="DISPATCHED"]');
    await page.click('#action-confirm');
    const failure = await page.waitForSelector('#action-result .failure');
    assert.match(await failure.innerText(), /409 not_awaiting_confirmation/);
  });

  it('takes the next item from the work queue, works it, and marks it done', async () => {
    const order = await submit(services.apiUrl, orderBody([{ provider: 'broken', sku: 'margherita', quantity: 1, unitPrice: '12.50' }]));
    await waitForStatus(services.apiUrl, order.id, 'ACTION_REQUIRED');
    await page.goto(`${services.apiUrl}/console/#/queue`);
    await page.waitForSelector('#operator-load table');
    await page.click('#take-next');
    await page.waitForURL(/#\/orders\/[0-9a-f-]{36}$/);
    await page.waitForSelector('#holder .holder');
    await browser.screenshot('queue-item');
    await page.click('#queue-done');
    await page.waitForURL(/#\/queue$/);
    await page.waitForSelector('#operator-load strong:text("test-operator (you)")');
    const load = await page.locator('#operator-load').innerText();
    assert.match(load, /test-operator \(you\)\s+0 \/ 3\s+1/);
    await browser.screenshot('queue');
  });
  describe('with a short work-queue lease', () => {
    const LEASE_MS = 6000;
    let leased: TestServices;
    before(async () => {
      leased = await startServices({ providers: providers.configs, queuePolicy: { leaseMs: LEASE_MS } });
    });
    after(async () => leased?.stop());

    const heldItem = async (orderId: string) => {
      const queue = await request('GET', `${leased.apiUrl}/ops/queue`, { headers: operatorAuth });
      return { held: queue.body.mine.find((a: { orderId: string }) => a.orderId === orderId), waiting: queue.body.waiting.some((w: { orderId: string }) => w.orderId === orderId) };
    };

    it('keeps a held item while the operator works in its order view, and hands it back to the queue a lease after they walk away', async () => {
      const order = await submit(leased.apiUrl, orderBody([{ provider: 'broken', sku: 'margherita', quantity: 1, unitPrice: '12.50' }]));
      await waitForStatus(leased.apiUrl, order.id, 'ACTION_REQUIRED');
      await logIn(leased.apiUrl);
      await page.goto(`${leased.apiUrl}/console/#/queue`);
      await page.click('#take-next');
      await page.waitForURL(/#\/orders\/[0-9a-f-]{36}$/);
      await page.waitForSelector('#holder .holder');
      const orderId = page.url().split('/').at(-1)!;
      let { held } = await heldItem(orderId);
      const takenAt = Date.parse(held.assignedAt);

      // Working: typing a reason keeps the item, well past its first lease, while the view polls on.
      while (Date.now() - takenAt < 1.5 * LEASE_MS) {
        const renewedAt = held.renewedAt;
        await page.type('#reason', 'x');
        held = await eventually(async () => {
          const now = (await heldItem(orderId)).held;
          return now && now.renewedAt > renewedAt ? now : undefined;
        }, LEASE_MS, 'the lease renewed after typing');
      }
      assert.ok(Date.parse(held.leaseUntil) > takenAt + LEASE_MS, 'held beyond the first lease');

      // Walking away: the view keeps polling, but nothing renews the lease any more.
      const lastRenewal = Date.parse(held.renewedAt);
      await page.waitForSelector('#holder-lapsed', { timeout: LEASE_MS + 15_000 });
      assert.ok(Date.now() - lastRenewal >= LEASE_MS, 'lapsed no sooner than a lease after the last activity');
      const after = await heldItem(orderId);
      assert.equal(after.held, undefined, 'no longer held');
      assert.ok(after.waiting, 'back in the queue for the next operator');
      await browser.screenshot('queue-lease-lapsed');
    });
  });
});
