/**
 * Read-model writes for the order workflow, and the provider policies it needs.
 * Projections are idempotent and monotonic: each carries the workflow's version and a
 * row already at that version or newer is left alone, so a retried or late write can
 * never move an order backwards. History rows are keyed by (order, seq), payments by
 * (order, transaction id) and device commands by (order, device, command id): each is written once.
 */
import type { ProviderRegistry } from '../../config/providers';
import type { PrismaClient } from '../../infra/database';
import type { Metrics } from '../../infra/metrics';
import type { OrderProjection, ProviderPolicy } from '../../workflows/orders/types';

export interface OrderActivityDeps {
  prisma: PrismaClient;
  providers: ProviderRegistry;
  metrics: Metrics;
}

export function createOrderActivities({ prisma, providers, metrics }: OrderActivityDeps) {
  return {
    async projectOrder(projection: OrderProjection): Promise<{ applied: boolean }> {
      return prisma.$transaction(async (tx) => {
        const { count } = await tx.order.updateMany({
          where: { id: projection.orderId, version: { lt: projection.version } },
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
        const inserted = await tx.orderHistory.createManyAndReturn({
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
        return { applied: count === 1, inserted, payments };
      }).then(({ applied, inserted, payments }) => {
        // Only rows this call inserted are counted, so a retried projection never counts twice.
        for (const row of inserted) recordTransition(metrics, row);
        for (const row of payments) metrics.business.payments.inc({ method: row.method, outcome: row.status.toLowerCase() });
        return { applied };
      });
    },

    async describeProviders(names: string[]): Promise<Record<string, ProviderPolicy>> {
      const policies: Record<string, ProviderPolicy> = {};
      for (const name of names) {
        const config = providers.get(name);
        // Unknown providers are refused by the API; one removed from the registry since
        // then gets a policy that fails fast (no alternates, immediate SLA).
        policies[name] = config
          ? {
              name,
              tracking: config.tracking,
              pollIntervalMs: config.pollIntervalSeconds * 1000,
              acceptSlaMs: config.acceptSlaSeconds * 1000,
              alternates: config.alternates,
              callTimeoutMs: config.timeoutMs,
            }
          : { name, tracking: 'poll', pollIntervalMs: 60_000, acceptSlaMs: 0, alternates: [], callTimeoutMs: 5_000 };
      }
      return policies;
    },
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;

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
