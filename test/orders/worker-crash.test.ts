/**
 * Worker processes killed with SIGKILL in the middle of orders: the remaining or a new
 * worker picks the orders up from Temporal and finishes them, and providers never see a
 * second placement (every call carries the same idempotency key on retry).
 */
import assert from 'node:assert/strict';
import { eventually } from '../harness/http';
import { orderBody, submit, waitForStatus } from '../harness/orders';
import { workerProcesses } from '../harness/processes';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { startServices, type TestServices } from '../harness/services';

describe('workers killed mid-order (SIGKILL)', function () {
  this.timeout(120_000);
  let providers: SimulatedProviders;
  let services: TestServices;
  const workers = workerProcesses(() => services.workerEnv);
  const items = [
    { provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: '12.50' },
    { provider: 'sushi', sku: 'maki', quantity: 2, unitPrice: '4.20' },
  ];

  before(async () => {
    const prices = { margherita: 1250, maki: 420 };
    providers = await startProviders({
      pizza: { behavior: { prices, latencyMs: 200, stepMs: 300 } },
      sushi: { behavior: { prices, latencyMs: 200, stepMs: 300 }, config: { tracking: 'poll' } },
    });
    services = await startServices({ providers: providers.configs, inProcessWorker: false });
  });

  after(async () => {
    workers.killAll();
    await services.stop();
    await providers.simulator.stop();
  });

  async function expectAllCompletedOnce(orders: { id: string }[]) {
    for (const order of orders) await waitForStatus(services.apiUrl, order.id, 'COMPLETED', 60_000);
    for (const order of orders) {
      assert.equal(providers.simulator.placements('pizza', order.id).length, 1, `pizza placements of ${order.id}`);
      assert.equal(providers.simulator.placements('sushi', order.id).length, 1, `sushi placements of ${order.id}`);
    }
  }

  const somePlaced = (orders: { id: string }[]) =>
    eventually(async () => (orders.some((o) => providers.simulator.placements('pizza', o.id).length) ? true : undefined), 30_000, 'first placements');

  it('leaves the work to a second worker on the same task queue; every order completes, none twice', async () => {
    const [doomed] = await Promise.all([workers.start(), workers.start()]);
    const orders = await Promise.all(Array.from({ length: 10 }, () => submit(services.apiUrl, orderBody(items))));
    await somePlaced(orders);
    await workers.crash(doomed!);
    await expectAllCompletedOnce(orders);
  });

  it('is replaced by another worker; every order completes with one placement per provider', async () => {
    workers.killAll();
    const sim = providers.simulator;
    sim.configure('pizza', { faults: { place: { latencyMs: 500 } } }); // a wider window with placements on the wire (within the 1 s timeout)
    const first = await workers.start();
    const orders = await Promise.all(Array.from({ length: 5 }, () => submit(services.apiUrl, orderBody(items))));
    const onTheWire = await eventually(async () => {
      const inFlight = sim.inFlight('pizza', 'place');
      return inFlight.length ? inFlight.map((r) => r.idempotencyKey!) : undefined;
    }, 30_000, 'a placement in flight');
    await workers.crash(first);
    await workers.start();
    await expectAllCompletedOnce(orders);
    // Those placements were sent again by the new worker with the same key, and the provider kept one.
    for (const key of onTheWire) {
      const sent = sim.requests.filter((r) => r.operation === 'place' && r.idempotencyKey === key);
      assert.ok(sent.length >= 2, `placement ${key} was in flight when the worker died, and sent ${sent.length} time(s)`);
    }
    sim.configure('pizza', { faults: {} });
  });
});
