/**
 * The projection activity's part of payments: transactions and device commands are rows
 * keyed by their ids, and `payments_total` counts each transaction once, however often a
 * projection carrying it is retried or repeated. A re-run workflow task (its worker killed
 * after the projection, before the task committed) writes the same version again with its
 * own content, which wins; an older projection never overwrites a newer one.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createOrderActivities } from '../../src/activities/orders/activities';
import { providerRegistry } from '../../src/config/providers';
import { createMetrics } from '../../src/infra/metrics';
import type { OrderProjection } from '../../src/workflows/orders/types';
import { testEnv } from '../harness/environment';

describe('payments projection', () => {
  it('writes each transaction and command once and counts each payment once in payments_total', async () => {
    const { prisma } = testEnv();
    const metrics = createMetrics({ processMetrics: false });
    const activities = createOrderActivities({ prisma, providers: providerRegistry([]), metrics });
    const orderId = randomUUID();
    await prisma.order.create({ data: { id: orderId, workflowId: `order-${orderId}`, customerId: 'c', status: 'RECEIVED', requestHash: 'h', request: {} } });
    const at = new Date().toISOString();
    const card = { id: 't-1', kind: 'payment' as const, method: 'card' as const, amount: 1000, status: 'CAPTURED' as const, balanceDueAfter: 1500, actor: 'device:d', at };
    const refund = { ...card, id: 't-2', kind: 'refund' as const, status: 'REFUNDED' as const, refundOf: 't-1', amount: 400, balanceDueAfter: 1900 };
    const command = { deviceId: 'd', commandId: 'c2', seq: 2, type: 'pay', outcome: 'applied' as const, result: { status: 'DISPATCHED' as const }, at };
    const projection = (version: number, transactions: OrderProjection['transactions']): OrderProjection => ({
      orderId, version, status: 'DISPATCHED', total: 2500, gateRequired: false, gateOpen: false, subOrders: [], history: [],
      adjustments: [], transactions, commands: [command],
    });

    await activities.projectOrder(projection(1, [card]));
    await activities.projectOrder(projection(1, [card])); // a retry
    await activities.projectOrder(projection(2, [card, refund])); // a later projection still carrying the payment

    const counted = (await metrics.registry.getSingleMetric('payments_total')!.get()).values.map((v) => [v.labels.method, v.labels.outcome, v.value]);
    assert.deepEqual(counted.sort(), [['card', 'captured', 1], ['card', 'refunded', 1]]);
    const rows = await prisma.payment.findMany({ where: { orderId }, orderBy: { transactionId: 'asc' } });
    assert.deepEqual(rows.map((r) => [r.transactionId, r.kind, Number(r.amountCents), Number(r.balanceDueAfterCents)]), [['t-1', 'payment', 1000, 1500], ['t-2', 'refund', 400, 1900]]);
    assert.equal(await prisma.orderCommand.count({ where: { orderId } }), 1);
  });

  it('lets the same version written again win (a re-run workflow task) and never lets an older one overwrite', async () => {
    const { prisma } = testEnv();
    const metrics = createMetrics({ processMetrics: false });
    const activities = createOrderActivities({ prisma, providers: providerRegistry([]), metrics });
    const orderId = randomUUID();
    await prisma.order.create({ data: { id: orderId, workflowId: `order-${orderId}`, customerId: 'c', status: 'RECEIVED', requestHash: 'h', request: {} } });
    const payment = (balanceDueAfter: number, at: string) => ({
      id: 't-1', kind: 'payment' as const, method: 'cash' as const, amount: 1000, status: 'CAPTURED' as const, balanceDueAfter, actor: 'device:d', at,
    });
    const entry = (reason: string, at: string) => ({ seq: 3, at, kind: 'payment' as const, actor: 'device:d', reason });
    const command = (balanceDue: number, at: string) => ({
      deviceId: 'd', commandId: 'c1', seq: 1, type: 'pay', outcome: 'applied' as const, result: { status: 'DISPATCHED' as const, balanceDue }, at,
    });
    const projection = (version: number, balanceDueAfter: number, at: string): OrderProjection => ({
      orderId, version, status: 'DISPATCHED', total: 2500, gateRequired: false, gateOpen: false, subOrders: [],
      history: [entry(`paid, ${balanceDueAfter} due`, at)], adjustments: [], transactions: [payment(balanceDueAfter, at)], commands: [command(balanceDueAfter, at)],
    });
    const seen = async () => {
      const [row] = await prisma.payment.findMany({ where: { orderId } });
      const [history] = await prisma.orderHistory.findMany({ where: { orderId } });
      const [logged] = await prisma.orderCommand.findMany({ where: { orderId } });
      return [Number(row!.balanceDueAfterCents), row!.recordedAt.toISOString(), history!.reason, (logged!.result as { balanceDue: number }).balanceDue];
    };

    await activities.projectOrder(projection(5, 1500, '2026-12-01T10:00:00.000Z')); // the task that never committed
    await activities.projectOrder(projection(5, 500, '2026-12-01T10:00:09.000Z')); // its re-run, after another payment came first
    assert.deepEqual(await seen(), [500, '2026-12-01T10:00:09.000Z', 'paid, 500 due', 500]);
    await activities.projectOrder(projection(4, 2500, '2026-12-01T09:59:00.000Z')); // a late, older projection
    assert.deepEqual(await seen(), [500, '2026-12-01T10:00:09.000Z', 'paid, 500 due', 500]);
    const counted = (await metrics.registry.getSingleMetric('payments_total')!.get()).values.map((v) => v.value);
    assert.deepEqual(counted, [1], 'the payment is counted once');
  });
});
