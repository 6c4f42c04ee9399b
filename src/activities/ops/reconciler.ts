/**
 * The reconciler: compares the read model with Temporal, repairs what is safe, and
 * reports the rest (seed 001: "no way to find lost orders").
 *
 *  - a running order workflow whose row is missing or disagrees → re-projected from the
 *    workflow's own state (its `state` query): safe, the workflow is the source of truth;
 *  - an open row whose workflow finished normally → re-projected the same way;
 *  - an open row with no workflow, or whose workflow was terminated, timed out or failed →
 *    unresolved: the order will not finish by itself. Reported, never guessed at;
 *  - open orders without progress past their status's threshold → stuck.
 *
 * Findings go to `order_anomalies` (open until a later run no longer sees them) and to
 * the log. The gauges orders_lost / orders_stuck / orders_by_status are not set here:
 * the API counts them from these tables when scraped (src/api/ops/read-model-metrics.ts).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { formatMoney } from '../../domain/money';
import { isStuck } from '../../domain/orders/stuck';
import { FINAL_STATUSES } from '../../domain/orders/status';
import type { PrismaClient } from '../../infra/database';
import type { Logger } from '../../infra/logger';
import type { Metrics } from '../../infra/metrics';
import { stateQuery } from '../../workflows/orders/messages';
import { orderProjection } from '../../workflows/orders/projection';
import type { OrderWorkflowInput } from '../../workflows/orders/types';
import type { AnomalyKind, Finding, ReconcilePolicy, ReconcileReport } from '../../workflows/ops/types';
import { writeProjection } from '../orders/projection';

export interface ReconcilerDeps {
  prisma: PrismaClient;
  /** Reconciling reads Temporal directly (visibility, describe, query). */
  temporal?: Client | undefined;
  metrics: Metrics;
  logger: Logger;
}

export function createReconcilerActivities(deps: ReconcilerDeps) {
  return {
    async reconcileOrders(policy: ReconcilePolicy): Promise<ReconcileReport> {
      const temporal = deps.temporal;
      if (!temporal) throw new Error('the reconciler needs a Temporal client');
      const { prisma } = deps;
      const now = new Date();

      const running = new Map<string, string | undefined>();
      for await (const execution of temporal.workflow.list({
        query: `WorkflowType = 'orderWorkflow' AND ExecutionStatus = 'Running'`,
      })) {
        running.set(execution.workflowId, execution.searchAttributes.OrderStatus?.[0] as string | undefined);
      }
      const open = await prisma.order.findMany({
        where: { status: { notIn: [...FINAL_STATUSES] } },
        select: { id: true, workflowId: true, status: true, updatedAt: true, createdAt: true },
      });
      const repaired: Finding[] = [];
      const unresolved: Finding[] = [];
      const repair = async (workflowId: string, kind: AnomalyKind, detail: string) => {
        if (await reproject(deps, temporal, workflowId)) repaired.push({ workflowId, kind, detail });
      };

      // Open rows: is their workflow alive and do they agree with it?
      for (const row of open) {
        if (now.getTime() - row.createdAt.getTime() < policy.graceSeconds * 1000) continue;
        const seen = running.has(row.workflowId) ? 'RUNNING' : await executionStatus(temporal, row.workflowId);
        if (seen === 'NOT_FOUND') {
          unresolved.push({ workflowId: row.workflowId, orderId: row.id, kind: 'missing_workflow', detail: 'accepted order has no workflow' });
        } else if (seen === 'COMPLETED') {
          await repair(row.workflowId, 'status_mismatch', `workflow finished; read model still ${row.status}`);
        } else if (seen !== 'RUNNING') {
          unresolved.push({ workflowId: row.workflowId, orderId: row.id, kind: 'workflow_ended', detail: `workflow ${seen.toLowerCase()} while the order was ${row.status}` });
        } else if (running.get(row.workflowId) !== row.status) {
          await repair(row.workflowId, 'status_mismatch', `read model ${row.status}, workflow ${running.get(row.workflowId)}`);
        }
      }

      // Running workflows without an open row: missing, or closed by mistake in the read model.
      const openIds = new Set(open.map((row) => row.workflowId));
      const others = [...running.keys()].filter((id) => !openIds.has(id));
      const rows = await prisma.order.findMany({ where: { workflowId: { in: others } }, select: { workflowId: true, status: true } });
      const rowStatus = new Map(rows.map((row) => [row.workflowId, row.status]));
      for (const workflowId of others) {
        if (!rowStatus.has(workflowId)) await repair(workflowId, 'missing_read_model', 'running workflow had no read-model row');
        else await repair(workflowId, 'status_mismatch', `read model ${rowStatus.get(workflowId)}, workflow still running`);
      }

      const stuck = open
        .filter((row) => isStuck(row, now, policy.stuckThresholds))
        .map((row) => ({ orderId: row.id, status: row.status, updatedAt: row.updatedAt.toISOString() }));
      await recordAnomalies(prisma, unresolved, now);
      for (const finding of repaired) deps.logger.warn(finding, 'reconciler repaired an order');
      for (const finding of unresolved) deps.logger.error(finding, 'reconciler found a lost order');
      if (stuck.length) deps.logger.warn({ stuck: stuck.length }, 'reconciler found stuck orders');
      return { checkedOrders: open.length, runningWorkflows: running.size, repaired, unresolved, stuck };
    },
  };
}

export type ReconcilerActivities = ReturnType<typeof createReconcilerActivities>;

async function executionStatus(temporal: Client, workflowId: string): Promise<string> {
  try {
    return (await temporal.workflow.getHandle(workflowId).describe()).status.name;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
    throw error;
  }
}

/**
 * Rewrites the read model from the workflow's own state; recreates the order row when it
 * is gone. History entries already written before a row was deleted are not recoverable
 * from the state (Temporal's event history still has them). Returns whether it wrote.
 */
async function reproject(deps: ReconcilerDeps, temporal: Client, workflowId: string): Promise<boolean> {
  const { status, state, input } = await temporal.workflow.getHandle(workflowId).query(stateQuery);
  const row = await deps.prisma.order.findUnique({ where: { workflowId }, select: { status: true, version: true } });
  // Visibility lags the workflow: what looked like a mismatch may already be in step.
  if (row && row.status === status && row.version >= state.version) return false;
  if (!row) await recreateRowIfMissing(deps.prisma, workflowId, input);
  const { applied } = await writeProjection(deps.prisma, deps.metrics, orderProjection(input, state, status));
  return applied;
}

async function recreateRowIfMissing(prisma: PrismaClient, workflowId: string, input: OrderWorkflowInput): Promise<void> {
  if (await prisma.order.findUnique({ where: { workflowId }, select: { id: true } })) return;
  const request = {
    customerId: input.customerId,
    items: input.items.map((item) => ({ ...item, unitPrice: item.unitPrice === undefined ? undefined : formatMoney(item.unitPrice) })),
    delivery: input.delivery,
    requiresGate: input.requiresGate,
  };
  await prisma.order.create({
    data: {
      id: input.orderId,
      number: BigInt(input.number),
      workflowId,
      customerId: input.customerId,
      status: 'RECEIVED',
      version: 0,
      // The original request (and its idempotency key) is not in the workflow; mark the row as rebuilt.
      requestHash: 'reconstructed-by-reconciler',
      request: JSON.parse(JSON.stringify(request)),
      gateRequired: input.requiresGate,
      items: {
        create: input.items.map((item, index) => ({
          lineNo: index + 1,
          provider: item.provider,
          sku: item.sku,
          quantity: item.quantity,
          unitPriceCents: item.unitPrice === undefined ? null : BigInt(item.unitPrice),
        })),
      },
    },
  });
}

async function recordAnomalies(prisma: PrismaClient, findings: Finding[], now: Date): Promise<void> {
  await prisma.$transaction(async (tx) => {
    for (const finding of findings) {
      await tx.orderAnomaly.upsert({
        where: { workflowId_kind: { workflowId: finding.workflowId, kind: finding.kind } },
        create: { workflowId: finding.workflowId, kind: finding.kind, orderId: finding.orderId ?? null, detail: finding.detail, firstSeenAt: now, lastSeenAt: now },
        update: { detail: finding.detail, lastSeenAt: now, resolvedAt: null },
      });
    }
    // Whatever this run no longer sees is resolved.
    await tx.orderAnomaly.updateMany({ where: { resolvedAt: null, lastSeenAt: { lt: now } }, data: { resolvedAt: now } });
  });
}
