/**
 * A worker process killed with SIGKILL while a payment update is on its way: another
 * worker takes the order over, and the payment, repeated by the client with the same
 * transaction id until it gets an answer, is recorded exactly once.
 */
import assert from 'node:assert/strict';
import { orderBody, submit, waitForStatus } from '../harness/orders';
import { pay, payments, txId } from '../harness/payments';
import { workerProcesses } from '../harness/processes';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { startServices, type TestServices } from '../harness/services';

describe('a worker killed during a payment', function () {
  this.timeout(120_000);
  let providers: SimulatedProviders;
  let services: TestServices;
  const workers = workerProcesses(() => services.workerEnv);

  before(async () => {
    providers = await startProviders({ pizza: { behavior: { prices: { margherita: 1250 }, stepMs: null } } });
    services = await startServices({ providers: providers.configs, inProcessWorker: false });
  });

  after(async () => {
    workers.killAll();
    await services.stop();
    await providers.simulator.stop();
  });

  it('records the payment once after another worker takes over', async () => {
    const first = await workers.start();
    const api = services.apiUrl;
    const order = await submit(api, orderBody([{ provider: 'pizza', sku: 'margherita', quantity: 2, unitPrice: '12.50' }]));
    await waitForStatus(api, order.id, 'DISPATCHED', 30_000);

    const id = txId();
    const inFlight = pay(api, order.id, 'card', '25.00', id);
    await workers.crash(first);
    await workers.start();

    // The client repeats the payment (same transaction id) until it gets an answer, as a device would.
    let answer = await inFlight;
    for (let attempt = 0; answer.status === 503 && attempt < 10; attempt++) answer = await pay(api, order.id, 'card', '25.00', id);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual([answer.body.transactionId, answer.body.balanceDue], [id, '0.00']);
    const repeat = await pay(api, order.id, 'card', '25.00', id);
    assert.deepEqual(repeat.body, answer.body);
    const listed = await payments(api, order.id);
    assert.deepEqual([listed.payments.length, listed.paid, listed.balanceDue], [1, '25.00', '0.00']);
  });
});
