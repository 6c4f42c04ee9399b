/**
 * The numbers behind orders_by_status, orders_stuck and orders_lost, counted from the
 * read model whenever /metrics is scraped (src/infra/metrics.ts, readModelGauges): every
 * API replica answers the same, and an anomaly resolved in order_anomalies is gone from
 * the next scrape. Three grouped counts on indexed columns.
 */
import { ORDER_STATUSES } from '../../domain/orders/status';
import { ACTIVE_STATUSES, stuckCutoffs, type StuckThresholds } from '../../domain/orders/stuck';
import type { PrismaClient } from '../../infra/database';
import type { Logger } from '../../infra/logger';
import type { ReadModelCounts } from '../../infra/metrics';
import type { AnomalyKind } from '../../workflows/ops/types';

/** The anomalies that stay open until someone acts (the reconciler repairs the other kinds). */
export const LOST_ORDER_KINDS: AnomalyKind[] = ['missing_workflow', 'workflow_ended'];

export function readModelCounter(prisma: PrismaClient, thresholds: StuckThresholds, logger: Logger): () => Promise<ReadModelCounts> {
  return async () => {
    const stuckWhere = stuckCutoffs(new Date(), thresholds).map(({ status, updatedBefore }) => ({ status, updatedAt: { lte: updatedBefore } }));
    try {
      const [byStatus, stuck, lost] = await Promise.all([
        prisma.order.groupBy({ by: ['status'], _count: { _all: true } }),
        prisma.order.groupBy({ by: ['status'], where: { OR: stuckWhere }, _count: { _all: true } }),
        prisma.orderAnomaly.groupBy({ by: ['kind'], where: { resolvedAt: null }, _count: { _all: true } }),
      ]);
      return {
        byStatus: tally(ORDER_STATUSES, byStatus.map((row) => [row.status, row._count._all])),
        stuck: tally(ACTIVE_STATUSES, stuck.map((row) => [row.status, row._count._all])),
        lost: tally(LOST_ORDER_KINDS, lost.map((row) => [row.kind, row._count._all])),
      };
    } catch (error) {
      logger.warn({ err: error }, 'read-model gauges not counted (left out of this scrape)');
      throw error;
    }
  };
}

/** Every expected label with its count, 0 when absent (so a fixed problem shows 0, not nothing). */
function tally(labels: readonly string[], rows: [string, number][]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(labels.map((label) => [label, 0]));
  for (const [label, n] of rows) counts[label] = n;
  return counts;
}
