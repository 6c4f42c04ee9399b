/**
 * The projection activity's part of payments: transactions and device commands are rows
 * written once, and `payments_total` counts each transaction once, however often a
 * projection carrying it is retried or repeated.
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
});
