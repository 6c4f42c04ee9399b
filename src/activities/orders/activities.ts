/** Order read-model writes. Idempotent and monotonic: safe to retry, never moves an order backwards. */
import type { PrismaClient } from '../../infra/database';
import type { OrderProjection } from '../../workflows/orders/types';

export function createOrderActivities({ prisma }: { prisma: PrismaClient }) {
  return {
    async projectOrder(projection: OrderProjection): Promise<void> {
      await prisma.order.updateMany({
        where: { id: projection.orderId, version: { lt: projection.version } },
        data: { status: projection.status, version: projection.version, updatedAt: new Date() },
      });
    },
  };
}
