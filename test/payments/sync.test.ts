/**
 * Offline point-of-sale devices syncing batches of commands (seed 002): exactly once and in
 * order per order, with lost responses, gaps, and two devices on one order.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { testEnv } from '../harness/environment';
import { eventually } from '../harness/http';
import { getOrder, orderBody, submit, waitForStatus } from '../harness/orders';
import { sync } from '../harness/payments';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { recordHistory } from '../harness/replay';
import { deviceAuth, startServices, type TestServices } from '../harness/services';

const PIZZA = { provider: 'pizza', sku: 'margherita', quantity: 2, unitPrice: '12.50' }; // 25.00
const COLA = { provider: 'pizza', sku: 'cola', quantity: 1, unitPrice: '3.00' };

/**
 * A proxy that passes requests to the API and, once the API answered, cuts the client's
 * connection instead of relaying it: the server applied the batch, the device never
 * saw the answer. What the device would have seen is kept in `dropped`.
 */
async function droppingProxy(target: string) {
  const dropped: any[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = await fetch(`${target}${req.url}`, { method: req.method, headers: req.headers as Record<string, string>, body: Buffer.concat(chunks) });
    dropped.push({ status: answer.status, body: await answer.json() });
    res.socket?.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, dropped, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('device sync', function () {
  this.timeout(60_000);
  let providers: SimulatedProviders;
  let services: TestServices;
  let api: string;

  before(async () => {
    providers = await startProviders({ pizza: { behavior: { prices: { margherita: 1250 }, stepMs: null } } });
    services = await startServices({ providers: providers.configs });
    api = services.apiUrl;
  });

  after(async () => {
    await services.stop();
    await providers.simulator.stop();
  });

  // Devices have their own tokens; every test uses its own orders, so their numbers never meet.
  const device = () => 'till-1';

  it('applies a batch whose response was lost once; the resent batch gets identical results and changes nothing', async () => {
    const deviceId = device();
    const localId = `local-${randomUUID()}`;
    const batch = [
      { type: 'create', commandId: 'c1', seq: 1, localId, order: orderBody([PIZZA]) },
      { type: 'pay', commandId: 'c2', seq: 2, localId, payment: { transactionId: `${deviceId}-t1`, method: 'cash', amount: '10.00' } },
      { type: 'editItems', commandId: 'c3', seq: 3, localId, changes: [{ ...COLA, quantity: 2 }] },
      { type: 'pay', commandId: 'c4', seq: 4, localId, payment: { transactionId: `${deviceId}-t2`, method: 'card', amount: '21.00' } },
      { type: 'close', commandId: 'c5', seq: 5, localId },
    ];
    const proxy = await droppingProxy(api);
    try {
      await assert.rejects(fetch(`${proxy.url}/sync`, { method: 'POST', headers: { 'content-type': 'application/json', ...deviceAuth(deviceId) }, body: JSON.stringify({ deviceId, commands: batch }) }));
    } finally {
      await proxy.close();
    }
    const [lost] = proxy.dropped;
    assert.equal(lost.status, 200);
    assert.deepEqual(lost.body.results.map((r: any) => [r.commandId, r.outcome]), batch.map((c) => [c.commandId, 'applied']));
    const { orderId, number } = lost.body.results[0];
    assert.ok(orderId && number > 0, 'the server id and number of the order created offline');
    assert.deepEqual(lost.body.results.map((r: any) => r.balanceDue ?? null), [null, '15.00', '21.00', '0.00', '0.00']);

    const resent = await sync(api, deviceId, batch);
    assert.equal(resent.status, 200);
    assert.deepEqual(resent.body, lost.body);
    const third = await sync(api, deviceId, batch);
    assert.deepEqual(third.body, lost.body);

    const order = await waitForStatus(api, orderId, 'COMPLETED');
    assert.deepEqual(order.billing, { total: '31.00', paid: '31.00', refunded: '0.00', balanceDue: '0.00' });
    assert.equal(order.payments.length, 2);
    assert.deepEqual(order.commands.map((c: any) => [c.deviceId, c.seq, c.type, c.outcome]), batch.map((c) => [deviceId, c.seq, c.type, 'applied']));
    let runs = 0;
    for await (const _ of testEnv().client.workflow.list({ query: `WorkflowId = 'order-${orderId}'` })) runs++;
    assert.equal(runs, 1, 'one workflow for the order');
    await recordHistory('device-sync-batch', `order-${orderId}`);
  });

  it('refuses a command ahead of the sequence (out_of_order, with the number expected), and takes it once the gap is filled', async () => {
    const deviceId = device();
    const localId = `local-${randomUUID()}`;
    const created = await sync(api, deviceId, [{ type: 'create', commandId: 'c1', seq: 1, localId, order: orderBody([PIZZA]) }]);
    const { orderId } = created.body.results[0];
    await waitForStatus(api, orderId, 'DISPATCHED');
    const third = { type: 'pay', commandId: 'c3', seq: 3, localId, payment: { transactionId: `${deviceId}-t3`, method: 'card', amount: '5.00' } };
    const second = { type: 'editItems', commandId: 'c2', seq: 2, localId, changes: [COLA] };

    const early = await sync(api, deviceId, [third]);
    assert.deepEqual(
      [early.body.results[0].outcome, early.body.results[0].code, early.body.results[0].details.expectedSeq],
      ['refused', 'out_of_order', 2],
    );
    assert.equal((await getOrder(api, orderId)).payments.length, 0, 'nothing applied');

    const filled = await sync(api, deviceId, [second, third]);
    assert.deepEqual(filled.body.results.map((r: any) => [r.commandId, r.outcome, r.balanceDue]), [['c2', 'applied', '28.00'], ['c3', 'applied', '23.00']]);

    // A command the order's state refuses is taken as rejected, so later ones are not blocked.
    const rejected = await sync(api, deviceId, [
      { type: 'close', commandId: 'c4', seq: 4, localId },
      { type: 'pay', commandId: 'c5', seq: 5, localId, payment: { transactionId: `${deviceId}-t5`, method: 'cash', amount: '23.00' } },
      { type: 'close', commandId: 'c6', seq: 6, localId },
    ]);
    assert.deepEqual(
      rejected.body.results.map((r: any) => [r.outcome, r.code ?? null, r.status]),
      [['rejected', 'payment_due', 'DISPATCHED'], ['applied', null, 'DISPATCHED'], ['applied', null, 'COMPLETED']],
    );
    assert.equal(rejected.body.results[0].details.balanceDue, '23.00');
    // After the close, however soon: taken as rejected order_closed (logged), not refused (resent forever).
    const after = await sync(api, deviceId, [{ type: 'pay', commandId: 'c7', seq: 7, localId, payment: { transactionId: `${deviceId}-t7`, method: 'cash', amount: '1.00' } }]);
    assert.deepEqual(
      [after.body.results[0].outcome, after.body.results[0].code, after.body.results[0].status],
      ['rejected', 'order_closed', 'COMPLETED'],
    );
    const unknown = await sync(api, deviceId, [{ type: 'close', commandId: 'x', seq: 2, localId: 'never-created' }]);
    assert.deepEqual([unknown.body.results[0].outcome, unknown.body.results[0].code], ['refused', 'unknown_order']);
  });

  it('validates each command on its own: an invalid one is taken as rejected, the rest of the batch is applied', async () => {
    const deviceId = device();
    const localId = `local-${randomUUID()}`;
    const batch = [
      { type: 'create', commandId: 'c1', seq: 1, localId, order: orderBody([PIZZA]) },
      // The audit's probe: a pay of 0.00 used to refuse the whole batch (400), so nothing was ever applied.
      { type: 'pay', commandId: 'c2', seq: 2, localId, payment: { transactionId: `${deviceId}-t0`, method: 'cash', amount: '0.00' } },
      { type: 'teleport', commandId: 'c3', seq: 3, localId },
      { type: 'editItems', commandId: 'c4', seq: 4, localId, changes: [COLA] },
      { type: 'pay', commandId: 'c5', seq: 'five', localId },
      'not a command',
      { type: 'create', commandId: 'c6', seq: 1, localId: `local-${randomUUID()}`, order: { customerId: 'walk-in' } },
    ];
    const first = await sync(api, deviceId, batch);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const outcomes = first.body.results.map((r: any) => [r.commandId, r.outcome, r.code ?? null]);
    assert.deepEqual(outcomes, [
      ['c1', 'applied', null],
      ['c2', 'rejected', 'validation_failed'],
      ['c3', 'rejected', 'validation_failed'],
      ['c4', 'applied', null],
      ['c5', 'refused', 'validation_failed'], // no number: cannot be taken
      [null, 'refused', 'validation_failed'],
      ['c6', 'refused', 'validation_failed'], // no order to take it in
    ]);
    assert.deepEqual(first.body.results[1].details.fields.map((f: any) => f.path), ['payment.amount']);
    assert.equal(first.body.results[3].balanceDue, '28.00');
    // The device resends what it stored: the same answers, nothing applied twice, and its next number goes on.
    const resent = await sync(api, deviceId, batch);
    assert.deepEqual(resent.body, first.body);
    const next = await sync(api, deviceId, [{ type: 'pay', commandId: 'c7', seq: 5, localId, payment: { transactionId: `${deviceId}-t5`, method: 'cash', amount: '28.00' } }]);
    assert.deepEqual([next.body.results[0].outcome, next.body.results[0].balanceDue], ['applied', '0.00']);
    const { orderId } = first.body.results[0];
    const order = await eventually(async () => {
      const seen = await getOrder(api, orderId);
      return seen.commands.length === 5 ? seen : undefined;
    });
    assert.deepEqual(order.commands.map((c: any) => [c.seq, c.type, c.outcome]), [[1, 'create', 'applied'], [2, 'pay', 'rejected'], [3, 'teleport', 'rejected'], [4, 'editItems', 'applied'], [5, 'pay', 'applied']]);
    assert.equal(order.payments.length, 1);
  });

  it('takes a command for a finished order as rejected order_closed, logged, the same whenever it is sent', async () => {
    const deviceId = device();
    const order = await submit(api, orderBody([PIZZA]));
    await waitForStatus(api, order.id, 'DISPATCHED');
    const paid = await sync(api, deviceId, [{ type: 'pay', commandId: 'p1', seq: 1, orderId: order.id, payment: { transactionId: `${order.id}-t1`, method: 'card', amount: '25.00' } }]);
    assert.equal(paid.body.results[0].outcome, 'applied');
    await sync(api, deviceId, [{ type: 'close', commandId: 'p2', seq: 2, orderId: order.id }]);
    await testEnv().client.workflow.getHandle(order.workflowId).result();

    const late = [
      { type: 'editItems', commandId: 'p3', seq: 3, orderId: order.id, changes: [COLA] },
      // The repeat of a recorded payment, under a new command: the original transaction.
      { type: 'pay', commandId: 'p4', seq: 4, orderId: order.id, payment: { transactionId: `${order.id}-t1`, method: 'card', amount: '25.00' } },
      { type: 'pay', commandId: 'p6', seq: 6, orderId: order.id, payment: { transactionId: `${order.id}-t6`, method: 'card', amount: '1.00' } },
    ];
    const answers = await sync(api, deviceId, late);
    assert.deepEqual(
      answers.body.results.map((r: any) => [r.commandId, r.outcome, r.code ?? null, r.status ?? null]),
      [['p3', 'rejected', 'order_closed', 'COMPLETED'], ['p4', 'applied', null, 'COMPLETED'], ['p6', 'refused', 'out_of_order', null]],
    );
    assert.equal(answers.body.results[1].transaction.amount, '25.00');
    assert.equal(answers.body.results[2].details.expectedSeq, 5);
    const again = await sync(api, deviceId, late.slice(0, 2));
    assert.deepEqual(again.body.results, answers.body.results.slice(0, 2));
    const changed = await sync(api, deviceId, [{ ...late[0]!, changes: [{ ...COLA, quantity: 2 }] }]);
    assert.deepEqual([changed.body.results[0].outcome, changed.body.results[0].code], ['refused', 'idempotency_conflict']);
    const shown = await getOrder(api, order.id);
    assert.deepEqual(shown.commands.map((c: any) => [c.seq, c.outcome]), [[1, 'applied'], [2, 'applied'], [3, 'rejected'], [4, 'applied']]);
    assert.deepEqual([shown.payments.length, shown.total], [1, '25.00']);
  });

  it('answers a command id reused for another command with idempotency_conflict, also when both arrive at once', async () => {
    const order = await submit(api, orderBody([PIZZA]));
    await waitForStatus(api, order.id, 'DISPATCHED');
    const pay = (amount: string) => ({ type: 'pay', commandId: 'x1', seq: 1, orderId: order.id, payment: { transactionId: `${order.id}-${amount}`, method: 'cash', amount } });
    const both = await Promise.all([sync(api, 'till-2', [pay('5.00')]), sync(api, 'till-2', [pay('9.00')])]);
    const results = both.map((answer) => answer.body.results[0]);
    assert.deepEqual(results.map((r: any) => r.outcome).sort(), ['applied', 'refused'], JSON.stringify(results));
    assert.equal(results.find((r: any) => r.outcome === 'refused').code, 'idempotency_conflict');
    const applied = results.find((r: any) => r.outcome === 'applied').transaction.amount;
    await eventually(async () => ((await getOrder(api, order.id)).billing.paid === applied ? true : undefined), 10_000, `paid ${applied}`);
    assert.equal((await getOrder(api, order.id)).payments.length, 1);
  });

  it('serialises two devices editing one order at once: every edit applied once, balances in one consistent order', async () => {
    const order = await submit(api, orderBody([PIZZA]));
    await waitForStatus(api, order.id, 'DISPATCHED');
    const devices = ['till-1', 'till-2'];
    const EDITS = 5;
    const batches = devices.map(() =>
      Array.from({ length: EDITS }, (_, i) => ({ type: 'editItems', commandId: `e${i + 1}`, seq: i + 1, orderId: order.id, changes: [COLA] })),
    );
    const answers = await Promise.all(devices.map((deviceId, i) => sync(api, deviceId, batches[i]!)));
    const results = answers.flatMap((a) => a.body.results);
    assert.ok(results.every((r: any) => r.outcome === 'applied'), JSON.stringify(results));
    // Each edit adds 3.00: applied one at a time, every balance from 28.00 to 55.00 appears exactly once.
    const balances = results.map((r: any) => r.balanceDue).sort((a: string, b: string) => Number(a) - Number(b));
    assert.deepEqual(balances, Array.from({ length: 2 * EDITS }, (_, i) => (25 + 3 * (i + 1)).toFixed(2)));
    for (const answer of answers) {
      const mine = answer.body.results.map((r: any) => Number(r.balanceDue));
      assert.deepEqual(mine, [...mine].sort((a, b) => a - b), 'a device sees its own commands applied in its order');
    }
    // The read model follows the workflow by one projection write.
    const final = await eventually(async () => {
      const seen = await getOrder(api, order.id);
      return seen.commands.length === 2 * EDITS ? seen : undefined;
    });
    assert.equal(final.total, '55.00');
    assert.deepEqual(final.adjustments.length, 2 * EDITS);
    assert.deepEqual(
      final.commands.map((c: any) => [c.deviceId, c.seq]),
      [...devices].sort().flatMap((d) => Array.from({ length: EDITS }, (_, i) => [d, i + 1])),
    );
  });
});
