/**
 * Writing an order's projection to the read model — used by the workflow's projection
 * activity and by the reconciler's repairs. Idempotent and monotonic: the order row is
 * updated only by a newer version (a repair may also rewrite the same version, to
 * undo a corrupted row), sub-orders follow the row, and history rows are keyed by
 * (order, seq) and written once, payments and device commands by their ids. Duration metrics are recorded for the history rows
 * this call inserted, so a retried write never counts twice.
 */
import type { PrismaClient } from '../../infra/database';
import type { Metrics } from '../../infra/metrics';
import type { OrderProjection } from '../../workflows/orders/types';

export async function writeProjection(
  prisma: PrismaClient,
  metrics: Metrics,
  projection: OrderProjection,
  options: { repair?: boolean } = {},
): Promise<{ applied: boolean }> {
  const { applied, inserted, payments } = await prisma.$transaction(async (tx) => {
    const { count } = await tx.order.updateMany({
      where: { id: projection.orderId, version: options.repair ? { lte: projection.version } : { lt: projection.version } },
      data: {
        status: projection.status,
        version: projection.version,
        totalCents: BigInt(projection.total),
        outcomeReason: projection.outcomeReason ?? null,
        gateRequired: projection.gateRequired,
        gateOpen: projection.gateOpen,
        adjustments: projection.adjustments as object[],
        updatedAt: new Date(),
      },
    });
    if (count === 1) {
      for (const sub of projection.subOrders) {
        const row = {
          provider: sub.provider,
          attempt: sub.attempt,
          status: sub.status,
          delayed: sub.delayed,
          providerOrderId: sub.providerOrderId ?? null,
          totalCents: BigInt(sub.total),
          items: sub.items as object[],
          triedProviders: sub.triedProviders,
          note: sub.note ?? null,
          acceptBy: sub.acceptBy ? new Date(sub.acceptBy) : null,
          updatedAt: new Date(),
        };
        await tx.subOrder.upsert({
          where: { orderId_key: { orderId: projection.orderId, key: sub.key } },
          create: { orderId: projection.orderId, key: sub.key, ...row },
          update: row,
        });
      }
    }
    // History is append-only and keyed by seq: safe to write even from a stale projection.
    const rows = await tx.orderHistory.createManyAndReturn({
      data: projection.history.map((entry) => ({
        orderId: projection.orderId,
        seq: entry.seq,
        at: new Date(entry.at),
        kind: entry.kind,
        actor: entry.actor,
        fromStatus: entry.fromStatus ?? null,
        toStatus: entry.toStatus ?? null,
        reason: entry.reason ?? null,
        details: (entry.details as object | undefined) ?? undefined,
      })),
      skipDuplicates: true,
    });
    // Payments and device commands are keyed by their ids: each is written once, whichever projection carries it.
    const payments = await tx.payment.createManyAndReturn({
      data: projection.transactions.map((t) => ({
        orderId: projection.orderId,
        transactionId: t.id,
        kind: t.kind,
        method: t.method,
        amountCents: BigInt(t.amount),
        status: t.status,
        refundOf: t.refundOf ?? null,
        details: (t.details as object | undefined) ?? undefined,
        balanceDueAfterCents: BigInt(t.balanceDueAfter),
        actor: t.actor,
        recordedAt: new Date(t.at),
      })),
      skipDuplicates: true,
      select: { method: true, status: true },
    });
    await tx.orderCommand.createMany({
      data: projection.commands.map((c) => ({
        orderId: projection.orderId,
        deviceId: c.deviceId,
        commandId: c.commandId,
        seq: c.seq,
        type: c.type,
        outcome: c.outcome,
        result: c.result as object,
        at: new Date(c.at),
      })),
      skipDuplicates: true,
    });
    return { applied: count === 1, inserted: rows, payments };
  });
  for (const row of inserted) recordTransition(metrics, row);
  for (const row of payments) metrics.business.payments.inc({ method: row.method, outcome: row.status.toLowerCase() });
  return { applied };
}

function recordTransition(metrics: Metrics, row: { fromStatus: string | null; toStatus: string | null; details: unknown }): void {
  if (!row.toStatus) return;
  const details = (row.details ?? {}) as { statusSeconds?: number; orderSeconds?: number };
  if (row.fromStatus && details.statusSeconds !== undefined) {
    metrics.business.orderStatusSeconds.observe({ status: row.fromStatus }, details.statusSeconds);
  }
  if (details.orderSeconds !== undefined) {
    metrics.business.orderProcessingSeconds.observe({ final_status: row.toStatus }, details.orderSeconds);
  }
}
