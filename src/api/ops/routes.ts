/** Operator views of the system's health: stuck and lost orders, and reconciling on demand. */
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { isStuck } from '../../domain/orders/stuck';
import { FINAL_STATUSES } from '../../domain/orders/status';
import { reconcileOrdersWorkflow } from '../../workflows';
import { requireOperator } from '../auth';
import type { ApiContext } from '../context';
import { AUTH, documentRoute, jsonResponse, type OpenAPIRegistry } from '../openapi-kit';

const finding = z.object({
  workflowId: z.string(),
  orderId: z.string().optional(),
  kind: z.enum(['missing_workflow', 'workflow_ended', 'missing_read_model', 'status_mismatch']),
  detail: z.string(),
});

export const stuckOrdersSchema = z
  .object({
    stuck: z.array(
      z.object({
        orderId: z.uuid(),
        number: z.number().int(),
        status: z.string(),
        updatedAt: z.string(),
        stuckForSeconds: z.number(),
        workflowId: z.string(),
      }),
    ),
    lost: z.array(
      z.object({
        workflowId: z.string(),
        orderId: z.string().nullable(),
        kind: z.string(),
        detail: z.string(),
        firstSeenAt: z.string(),
        lastSeenAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'StuckOrders' });

export const reconcileReportSchema = z
  .object({
    checkedOrders: z.number().int(),
    runningWorkflows: z.number().int(),
    repaired: z.array(finding),
    unresolved: z.array(finding),
    stuck: z.array(z.object({ orderId: z.string(), status: z.string(), updatedAt: z.string() })),
  })
  .meta({ id: 'ReconcileReport' });

export function opsRouter(ctx: ApiContext): Router {
  const router = Router();
  const thresholds = ctx.queuePolicy.stuck;

  router.get('/ops/stuck-orders', async (req, res) => {
    requireOperator(ctx, req);
    const now = new Date();
    const open = await ctx.prisma.order.findMany({
      where: { status: { notIn: [...FINAL_STATUSES] } },
      select: { id: true, number: true, status: true, updatedAt: true, workflowId: true },
      orderBy: { updatedAt: 'asc' },
    });
    const anomalies = await ctx.prisma.orderAnomaly.findMany({ where: { resolvedAt: null }, orderBy: { firstSeenAt: 'asc' } });
    const answer: z.infer<typeof stuckOrdersSchema> = {
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
    };
    res.json(answer);
  });

  // Runs the reconciler now (the schedule runs it every RECONCILE_INTERVAL_SECONDS) and returns its report.
  router.post('/ops/reconcile', async (req, res) => {
    requireOperator(ctx, req);
    const report = await ctx.temporal.workflow.execute(reconcileOrdersWorkflow, {
      workflowId: `reconcile-manual-${randomUUID()}`,
      taskQueue: ctx.taskQueue,
      args: [{ stuckThresholds: thresholds, graceSeconds: ctx.reconcileGraceSeconds ?? 60 }],
    });
    const answer: z.infer<typeof reconcileReportSchema> = report;
    res.json(answer);
  });

  return router;
}

export function registerOpsPaths(registry: OpenAPIRegistry): void {
  documentRoute(registry, {
    method: 'get',
    path: '/ops/stuck-orders',
    tags: ['operations'],
    summary: 'Stuck orders and open anomalies (lost orders) found by the reconciler',
    security: AUTH.operator,
    responses: { 200: jsonResponse('stuck and lost orders', stuckOrdersSchema) },
    errors: [401],
  });
  documentRoute(registry, {
    method: 'post',
    path: '/ops/reconcile',
    tags: ['operations'],
    summary: 'Run the reconciler now and return its report',
    security: AUTH.operator,
    responses: { 200: jsonResponse("the reconciler's report", reconcileReportSchema) },
    errors: [401],
  });
}
