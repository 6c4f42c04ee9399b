/** Operator views of the system's health: stuck and lost orders, and reconciling on demand. */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { DEFAULT_STUCK_AFTER_SECONDS, isStuck } from '../../domain/orders/stuck';
import { FINAL_STATUSES } from '../../domain/orders/status';
import { reconcileOrdersWorkflow } from '../../workflows';
import { requireOperator } from '../auth';
import type { ApiContext } from '../context';

export function opsRouter(ctx: ApiContext): Router {
  const router = Router();
  const thresholds = ctx.stuckThresholds ?? DEFAULT_STUCK_AFTER_SECONDS;

  router.get('/ops/stuck-orders', async (req, res) => {
    requireOperator(ctx, req);
    const now = new Date();
    const open = await ctx.prisma.order.findMany({
      where: { status: { notIn: [...FINAL_STATUSES] } },
      select: { id: true, number: true, status: true, updatedAt: true, workflowId: true },
      orderBy: { updatedAt: 'asc' },
    });
    const anomalies = await ctx.prisma.orderAnomaly.findMany({ where: { resolvedAt: null }, orderBy: { firstSeenAt: 'asc' } });
    res.json({
      stuck: open
        .filter((order) => isStuck(order, now, thresholds))
        .map((order) => ({
          orderId: order.id,
          number: Number(order.number),
          status: order.status,
          updatedAt: order.updatedAt.toISOString(),
          stuckForSeconds: Math.round((now.getTime() - order.updatedAt.getTime()) / 1000),
          workflowId: order.workflowId,
        })),
      lost: anomalies.map((anomaly) => ({
        workflowId: anomaly.workflowId,
        orderId: anomaly.orderId,
        kind: anomaly.kind,
        detail: anomaly.detail,
        firstSeenAt: anomaly.firstSeenAt.toISOString(),
        lastSeenAt: anomaly.lastSeenAt.toISOString(),
      })),
    });
  });

  // Runs the reconciler now (the schedule runs it every RECONCILE_INTERVAL_SECONDS) and returns its report.
  router.post('/ops/reconcile', async (req, res) => {
    requireOperator(ctx, req);
    const report = await ctx.temporal.workflow.execute(reconcileOrdersWorkflow, {
      workflowId: `reconcile-manual-${randomUUID()}`,
      taskQueue: ctx.taskQueue,
      args: [{ stuckThresholds: thresholds, graceSeconds: ctx.reconcileGraceSeconds ?? 60 }],
    });
    res.json(report);
  });

  return router;
}
