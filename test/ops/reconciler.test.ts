/**
 * The reconciler finds what went wrong behind the system's back — a deleted or
 * corrupted read-model row, a terminated workflow, an order with no workflow, orders
 * without progress — repairs what is safe and reports the rest (report, GET
 * /ops/stuck-orders, orders_lost / orders_stuck gauges counted from the read model). Runs in a world of its own
 * (database and namespace), since it looks at every order.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { DEFAULT_STUCK_THRESHOLDS } from '../../src/domain/orders/stuck';
import { createPrisma, type PrismaClient } from '../../src/infra/database';
import { createMetrics } from '../../src/infra/metrics';
import { eventually, request } from '../harness/http';
import { isolatedWorld } from '../harness/isolated';
import { orderBody, submit, waitForStatus } from '../harness/orders';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { operatorAuth, startServices, type TestServices } from '../harness/services';

const PIZZA = { provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: '12.50' };

describe('reconciler (lost and stuck orders)', function () {
  this.timeout(90_000);
  let providers: SimulatedProviders;
  let services: TestServices;
  let client: Client;
  let prisma: PrismaClient;
  let api: string;

  before(async () => {
    const world = await isolatedWorld('reconciler');
    client = world.client;
    prisma = createPrisma(world.databaseUrl);
    // Orders stay DISPATCHED (the provider never progresses) and count as stuck at once.
    providers = await startProviders({ pizza: { behavior: { prices: { margherita: 1250 }, stepMs: null } } });
    services = await startServices({
      providers: providers.configs,
      databaseUrl: world.databaseUrl,
      namespace: world.namespace,
      stuckThresholds: { DISPATCHED: 0 },
      metrics: createMetrics(),
      reconciler: { everySeconds: 3600, scheduleId: `reconcile-${world.namespace}`, policy: { stuckThresholds: { ...DEFAULT_STUCK_THRESHOLDS, DISPATCHED: 0 }, graceSeconds: 0 } },
    });
    api = services.apiUrl;
  });

  after(async () => {
    await services.stop();
    await providers.simulator.stop();
    await prisma.$disconnect();
  });

  const reconcile = async () => {
    const response = await request('POST', `${api}/ops/reconcile`, { headers: operatorAuth });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body;
  };
  const dispatchedOrder = async () => {
    const order = await submit(api, orderBody([PIZZA]));
    await waitForStatus(api, order.id, 'DISPATCHED');
    // The workflow's own picture, settled: the sub-order is accepted.
    await eventually(async () => ((await prisma.subOrder.findFirst({ where: { orderId: order.id } }))?.status === 'ACCEPTED' ? true : undefined));
    return order;
  };

  it('runs on a Temporal Schedule created by the worker', async () => {
    const schedules: string[] = [];
    for await (const schedule of client.schedule.list()) schedules.push(schedule.scheduleId);
    const id = schedules.find((s) => s.startsWith('reconcile-'));
    assert.ok(id, `no reconciler schedule in ${schedules}`);
    const description = await client.schedule.getHandle(id).describe();
    assert.equal(description.action.type, 'startWorkflow');
    assert.equal((description.action as { workflowType: string }).workflowType, 'reconcileOrdersWorkflow');
  });

  it('recreates a deleted read-model row from the running workflow', async () => {
    const order = await dispatchedOrder();
    await prisma.order.delete({ where: { id: order.id } });

    const report = await reconcile();
    assert.ok(report.repaired.some((f: any) => f.workflowId === order.workflowId && f.kind === 'missing_read_model'), JSON.stringify(report));
    const restored = await request('GET', `${api}/orders/${order.id}`, { headers: operatorAuth });
    assert.equal(restored.status, 200);
    assert.equal(restored.body.number, order.number);
    assert.equal(restored.body.status, 'DISPATCHED');
    assert.deepEqual(restored.body.subOrders.map((s: any) => [s.key, s.status]), [['pizza', 'ACCEPTED']]);
    assert.deepEqual(restored.body.items.map((i: any) => [i.sku, i.unitPrice]), [['margherita', '12.50']]);
  });

  it('puts a corrupted status back to what the workflow says', async () => {
    const order = await dispatchedOrder();
    await prisma.order.update({ where: { id: order.id }, data: { status: 'COMPLETED' } });

    const report = await reconcile();
    assert.ok(report.repaired.some((f: any) => f.workflowId === order.workflowId && f.kind === 'status_mismatch'), JSON.stringify(report));
    assert.equal((await prisma.order.findUniqueOrThrow({ where: { id: order.id } })).status, 'DISPATCHED');
  });

  it('reports an order whose workflow was terminated, and one that never got a workflow, until they are dealt with', async () => {
    const terminated = await dispatchedOrder();
    await client.workflow.getHandle(terminated.workflowId).terminate('done behind the system’s back');
    const orphanId = randomUUID();
    await prisma.order.create({
      data: { id: orphanId, workflowId: `order-${orphanId}`, customerId: 'orphan', status: 'RECEIVED', requestHash: 'h', request: {} },
    });

    // Visibility (what the reconciler lists) catches up with the termination shortly after.
    await eventually(async () => {
      for await (const _ of client.workflow.list({ query: `WorkflowId = '${terminated.workflowId}' AND ExecutionStatus = 'Terminated'` })) return true;
      return undefined;
    });
    const report = await reconcile();
    const kinds = new Map(report.unresolved.map((f: any) => [f.workflowId, f.kind]));
    assert.equal(kinds.get(terminated.workflowId), 'workflow_ended');
    assert.equal(kinds.get(`order-${orphanId}`), 'missing_workflow');

    const ops = await request('GET', `${api}/ops/stuck-orders`, { headers: operatorAuth });
    assert.equal(ops.status, 200);
    const lost = new Map(ops.body.lost.map((f: any) => [f.orderId, f.kind]));
    assert.equal(lost.get(terminated.id), 'workflow_ended');
    assert.equal(lost.get(orphanId), 'missing_workflow');
    const metrics: string = (await request('GET', `${api}/metrics`)).body;
    assert.match(metrics, /^orders_lost\{kind="workflow_ended"\} [1-9]/m);
    assert.match(metrics, /^orders_lost\{kind="missing_workflow"\} [1-9]/m);

    // An operator deals with them (here: closes them in the read model); the next run resolves the findings.
    await prisma.order.updateMany({ where: { id: { in: [terminated.id, orphanId] } }, data: { status: 'CANCELLED' } });
    await reconcile();
    const after = await request('GET', `${api}/ops/stuck-orders`, { headers: operatorAuth });
    assert.deepEqual(after.body.lost.filter((f: any) => [terminated.id, orphanId].includes(f.orderId)), []);
  });

  it('lists orders without progress past their status threshold as stuck', async () => {
    const order = await dispatchedOrder();
    const report = await reconcile();
    assert.ok(report.stuck.some((s: any) => s.orderId === order.id && s.status === 'DISPATCHED'));
    const ops = await request('GET', `${api}/ops/stuck-orders`, { headers: operatorAuth });
    assert.ok(ops.body.stuck.some((s: any) => s.orderId === order.id && s.stuckForSeconds >= 0));
    const metrics: string = (await request('GET', `${api}/metrics`)).body;
    assert.match(metrics, /^orders_stuck\{status="DISPATCHED"\} [1-9]/m);
    assert.match(metrics, /^orders_by_status\{status="DISPATCHED"\} [1-9]/m);
  });

  it('counts the gauges from the read model at each scrape: an anomaly resolved in the table is 0 on the next scrape', async () => {
    const gauge = async (series: string) => {
      const text: string = (await request('GET', `${api}/metrics`)).body;
      const value = new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1];
      assert.ok(value !== undefined, `no ${series} in:\n${text}`);
      return Number(value);
    };
    const lost = 'orders_lost{kind="workflow_ended"}';
    await prisma.orderAnomaly.updateMany({ where: { resolvedAt: null }, data: { resolvedAt: new Date() } });
    assert.equal(await gauge(lost), 0);
    // No reconciler run in between: the gauge reads order_anomalies itself.
    const workflowId = `order-${randomUUID()}`;
    await prisma.orderAnomaly.create({ data: { workflowId, kind: 'workflow_ended', detail: 'terminated by hand' } });
    assert.equal(await gauge(lost), 1);
    await prisma.orderAnomaly.update({ where: { workflowId_kind: { workflowId, kind: 'workflow_ended' } }, data: { resolvedAt: new Date() } });
    assert.equal(await gauge(lost), 0);

    const dispatched = await prisma.order.count({ where: { status: 'DISPATCHED' } });
    assert.equal(await gauge('orders_by_status{status="DISPATCHED"}'), dispatched);
    // Every DISPATCHED order is stuck at once here (threshold 0).
    assert.equal(await gauge('orders_stuck{status="DISPATCHED"}'), dispatched);
  });

  it('is for operators only', async () => {
    assert.equal((await request('GET', `${api}/ops/stuck-orders`)).status, 401);
    assert.equal((await request('POST', `${api}/ops/reconcile`, { headers: { 'x-customer-id': 'c' } })).status, 401);
  });
});
