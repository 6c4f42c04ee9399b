/**
 * What a completed order earned in the loyalty programme. The order workflow enrols the
 * purchase of a loyalty user (login = customer id) under its number with a Luhn check
 * digit (src/workflows/orders/workflow.ts, earnLoyaltyPoints); this reads that accrual back.
 */
import { withLuhnCheckDigit } from '../../domain/loyalty/luhn';
import { fromCents } from '../../domain/loyalty/money';
import type { LoyaltyStatus } from '../../domain/loyalty/status';
import type { PrismaClient } from '../../infra/database';
import type { OrderLoyalty } from './schemas';

export async function orderLoyalty(prisma: PrismaClient, order: { customerId: string; number: bigint }): Promise<OrderLoyalty> {
  const user = await prisma.loyaltyUser.findUnique({ where: { login: order.customerId }, select: { id: true } });
  if (!user) return null;
  // Only the customer's own row: another user may have uploaded the same digits.
  const row = await prisma.loyaltyOrder.findFirst({ where: { number: withLuhnCheckDigit(String(order.number)), userId: user.id } });
  if (!row) return null;
  return { number: row.number, status: row.status as LoyaltyStatus, accrual: row.status === 'PROCESSED' ? fromCents(row.accrualCents ?? 0n) : null };
}
