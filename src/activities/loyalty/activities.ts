/**
 * Loyalty read-model and balance writes, run as local activities of the accrual
 * workflow. Every write is idempotent: statuses only move forward, and a credit is a
 * row keyed by the order number inserted in the same transaction as the balance update.
 */
import { isOrderNumber } from '../../domain/loyalty/luhn';
import type { PrismaClient } from '../../infra/database';
import type { AccrualRunSettings, AccrualSettlement, PurchaseForAccrual } from '../../workflows/loyalty/types';

export interface LoyaltyActivityDeps {
  prisma: PrismaClient;
  accrual: AccrualRunSettings;
}

export function createLoyaltyActivities({ prisma, accrual }: LoyaltyActivityDeps) {
  return {
    /** The worker's polling configuration, recorded in the workflow's history once per run. */
    async accrualSettings(): Promise<AccrualRunSettings> {
      return accrual;
    },

    async markProcessing(number: string): Promise<void> {
      await prisma.loyaltyOrder.updateMany({ where: { number, status: 'NEW' }, data: { status: 'PROCESSING', updatedAt: new Date() } });
    },

    /** Polling stopped after the horizon: start-up recovery must not restart it. */
    async markAccrualGaveUp(number: string): Promise<void> {
      await prisma.loyaltyOrder.updateMany({ where: { number, status: { in: ['NEW', 'PROCESSING'] } }, data: { accrualGaveUpAt: new Date() } });
    },

    /** Polling (re)started — a re-upload, the purchase hook, recovery: no longer given up. */
    async markAccrualPolling(number: string): Promise<void> {
      await prisma.loyaltyOrder.updateMany({ where: { number, accrualGaveUpAt: { not: null } }, data: { accrualGaveUpAt: null } });
    },

    /** Records a final answer; for PROCESSED credits the owner's balance exactly once. */
    async settleAccrual(settlement: AccrualSettlement): Promise<{ credited: boolean }> {
      const { number } = settlement;
      const accrualCents = settlement.status === 'PROCESSED' ? BigInt(settlement.accrualCents) : null;
      return prisma.$transaction(async (tx) => {
        const order = await tx.loyaltyOrder.findUniqueOrThrow({ where: { number } });
        await tx.loyaltyOrder.updateMany({
          where: { number, status: { in: ['NEW', 'PROCESSING'] } },
          data: { status: settlement.status, accrualCents, updatedAt: new Date() },
        });
        if (accrualCents === null) return { credited: false };
        // The primary key on order_number makes a second credit a no-op, whoever tries it.
        const { count } = await tx.loyaltyAccrualCredit.createMany({
          data: [{ orderNumber: number, userId: order.userId, amountCents: accrualCents }],
          skipDuplicates: true,
        });
        if (count === 0) return { credited: false };
        await tx.loyaltyBalance.update({
          where: { userId: order.userId },
          data: { currentCents: { increment: accrualCents }, updatedAt: new Date() },
        });
        return { credited: true };
      });
    },

    /** The purchase hook: records the number as the customer's loyalty order if they are a loyalty user. */
    async enrolPurchase(purchase: PurchaseForAccrual): Promise<boolean> {
      if (!isOrderNumber(purchase.number)) return false;
      const user = await prisma.loyaltyUser.findUnique({ where: { login: purchase.customerId } });
      if (!user) return false;
      await prisma.loyaltyOrder.createMany({ data: [{ number: purchase.number, userId: user.id, status: 'NEW' }], skipDuplicates: true });
      const order = await prisma.loyaltyOrder.findUniqueOrThrow({ where: { number: purchase.number } });
      return order.userId === user.id;
    },
  };
}

