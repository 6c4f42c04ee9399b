/**
 * A worker process killed with SIGKILL in the middle of orders: another worker picks
 * the orders up from Temporal and finishes them, and providers never see a second
 * placement (every call carries the same idempotency key on retry).
 */
import assert from 'node:assert/strict';
import { eventually } from '../harness/http';
import { orderBody, submit, waitForStatus } from '../harness/orders';
import { descendants, isAlive, spawnProject, type Spawned } from '../harness/processes';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { startServices, type TestServices } from '../harness/services';

describe('workers killed mid-order (SIGKILL)', function () {
  this.timeout(120_000);
  let providers: SimulatedProviders;
  let services: TestServices;
  const children: Spawned[] = [];

  before(async () => {
    const prices = { margherita: 1250, maki: 420 };
    providers = await startProviders({
      pizza: { behavior: { prices, latencyMs: 200, stepMs: 300 } },
      sushi: { behavior: { prices, latencyMs: 200, stepMs: 300 }, config: { tracking: 'poll' } },
    });
    services = await startServices({ providers: providers.configs, inProcessWorker: false });
  });

  after(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await services.stop();
    await providers.simulator.stop();
  });

  async function worker(): Promise<Spawned> {
    const spawned = spawnProject(['worker'], services.workerEnv);
    children.push(spawned);
    await spawned.waitFor(/worker polling/);
    return spawned;
  }

  const items = [
    { provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: '12.50' },
    { provider: 'sushi', sku: 'maki', quantity: 2, unitPrice: '4.20' },
  ];

  it('leaves the work to a second worker on the same task queue; every order completes, none twice', async () => {
    const [doomed] = await Promise.all([worker(), worker()]);
    const orders = await Promise.all(Array.from({ length: 10 }, () => submit(services.apiUrl, orderBody(items))));
    const sim = providers.simulator;
    await eventually(async () => (orders.some((o) => sim.placements('pizza', o.id).length) ? true : undefined), 30_000, 'first placements');
    doomed!.child.kill('SIGKILL');
    await doomed!.exited;
    for (const order of orders) await waitForStatus(services.apiUrl, order.id, 'COMPLETED', 60_000);
    for (const order of orders) {
      assert.equal(sim.placements('pizza', order.id).length, 1);
      assert.equal(sim.placements('sushi', order.id).length, 1);
    }
  });

  it('is replaced by another worker; every order completes with one placement per provider', async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    const first = await worker();
    const orders = await Promise.all(Array.from({ length: 5 }, () => submit(services.apiUrl, orderBody(items))));
    const sim = providers.simulator;
    // Kill it once some orders are placed and others are still in flight.
    await eventually(async () => (orders.some((o) => sim.placements('pizza', o.id).length) ? true : undefined), 30_000, 'first placements');
    const grandchildren = descendants(first.child.pid!);
    first.child.kill('SIGKILL');
    await first.exited;
    for (const pid of grandchildren) if (isAlive(pid)) process.kill(pid, 'SIGKILL');

    await worker();
    for (const order of orders) await waitForStatus(services.apiUrl, order.id, 'COMPLETED', 60_000);
    for (const order of orders) {
      assert.equal(sim.placements('pizza', order.id).length, 1, `pizza placements of ${order.id}`);
      assert.equal(sim.placements('sushi', order.id).length, 1, `sushi placements of ${order.id}`);
    }
  });
});
