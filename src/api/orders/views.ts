/** How orders look on the wire: read-model rows → JSON (money as decimal strings). */
import { formatMoney } from '../../domain/money';
import { stuckAt } from '../../domain/orders/stuck';
import type { Prisma } from '../../generated/prisma/client';
import type { OrderStatus } from '../../domain/orders/status';
import type { ApiContext } from '../context';
import { billingView, commandView, paymentsView } from '../payments/views';
import type { HistoryEntry, OrderDetail, OrderLoyalty, OrderSummary, SubmitOrderRequest } from './schemas';

export type OrderRow = Prisma.OrderGetPayload<object>;
export type OrderDetailRow = Prisma.OrderGetPayload<{ include: { items: true; subOrders: true; history: true; payments: true; commands: true } }>;
type HistoryRow = OrderDetailRow['history'][number];

const money = (cents: bigint | null | undefined) => (cents === null || cents === undefined ? null : formatMoney(Number(cents)));

export function temporalUiLink(ctx: ApiContext, workflowId: string): string {
  const namespace = encodeURIComponent(ctx.temporal.options.namespace);
  return `${ctx.temporalUiUrl}/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}`;
}

export function orderSummary(ctx: ApiContext, order: OrderRow, now = new Date()): OrderSummary {
  const stuckSince = stuckAt(order, ctx.queuePolicy.stuck);
  return {
    id: order.id,
    number: Number(order.number),
    customerId: order.customerId,
    // The read model's column is text; the workflow only ever writes ORDER_STATUSES into it.
    status: order.status as OrderStatus,
    total: money(order.totalCents),
    outcomeReason: order.outcomeReason,
    gate: order.gateRequired ? (order.gateOpen ? 'open' : 'closed') : 'none',
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    stuck: stuckSince !== undefined && stuckSince <= now,
    workflowId: order.workflowId,
    links: { temporalUi: temporalUiLink(ctx, order.workflowId) },
  };
}

export function orderDetail(ctx: ApiContext, order: OrderDetailRow, loyalty: OrderLoyalty): OrderDetail {
  return {
    ...orderSummary(ctx, order),
    delivery: (order.request as SubmitOrderRequest).delivery,
    items: order.items
      .sort((a, b) => a.lineNo - b.lineNo)
      .map((item) => ({ provider: item.provider, sku: item.sku, quantity: item.quantity, unitPrice: money(item.unitPriceCents) })),
    subOrders: order.subOrders
      .sort((a, b) => a.key.localeCompare(b.key))
      .map((sub) => ({
        key: sub.key,
        provider: sub.provider,
        attempt: sub.attempt,
        status: sub.status,
        delayed: sub.delayed,
        providerOrderId: sub.providerOrderId,
        total: money(sub.totalCents),
        items: (sub.items as { sku: string; quantity: number; unitPrice?: number }[]).map((item) => ({
          sku: item.sku,
          quantity: item.quantity,
          unitPrice: item.unitPrice === undefined ? null : formatMoney(item.unitPrice),
        })),
        triedProviders: sub.triedProviders,
        note: sub.note,
      })),
    history: order.history.sort((a, b) => a.seq - b.seq).map(historyEntry),
    /** Bill edits since the quote: `total` includes them. */
    adjustments: (order.adjustments as { provider: string; sku: string; quantity: number; unitPrice: number; amount: number; actor: string; at: string }[]).map(
      (adj) => ({ ...adj, unitPrice: formatMoney(adj.unitPrice), amount: formatMoney(adj.amount) }),
    ),
    billing: billingView(order.totalCents, order.payments),
    payments: paymentsView(order.id, order.payments),
    commands: order.commands.sort((a, b) => a.deviceId.localeCompare(b.deviceId) || a.seq - b.seq).map(commandView),
    loyalty,
  };
}

export function historyEntry(entry: HistoryRow): HistoryEntry {
  return {
    seq: entry.seq,
    at: entry.at.toISOString(),
    kind: entry.kind,
    actor: entry.actor,
    fromStatus: entry.fromStatus,
    toStatus: entry.toStatus,
    reason: entry.reason,
    details: entry.details,
  };
}
