/**
 * The operators' work queue and load (operators only):
 *   GET  /ops/session              who the token belongs to, and the order statuses (the console's login check)
 *   GET  /ops/queue                waiting items, the caller's assignments, everyone's live ones
 *   POST /ops/queue/next           assign the oldest eligible item to the caller
 *   POST /ops/queue/:id/renew      keep the lease (the console calls it while the operator works)
 *   POST /ops/queue/:id/release    give the item back to the queue
 *   POST /ops/queue/:id/done       finish it
 *   GET  /ops/operators            per-operator load: held, done, released, expired, time to handle
 */
import { Router } from 'express';
import { z } from 'zod';
import { ORDER_STATUSES } from '../../domain/orders/status';
import { requireOperator } from '../auth';
import type { ApiContext } from '../context';
import { ApiError, parseInput } from '../errors';
import { actOnAssignment, liveAssignments, operatorLoads, takeNext, waitingItems, type AssignmentRow, type HolderAction } from './queue-store';

const assignmentIdSchema = z.uuid();
const queueQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

function assignmentView(a: AssignmentRow) {
  return {
    id: a.id,
    orderId: a.orderId,
    operator: a.operator,
    reason: a.reason,
    state: a.state,
    assignedAt: a.assignedAt.toISOString(),
    renewedAt: a.renewedAt.toISOString(),
    leaseUntil: a.leaseUntil.toISOString(),
    finishedAt: a.finishedAt?.toISOString() ?? null,
  };
}

export function opsRouter(ctx: ApiContext): Router {
  const router = Router();
  const policy = ctx.queuePolicy;

  router.get('/ops/session', (req, res) => {
    const operator = requireOperator(ctx, req);
    res.json({ operator: operator.id, statuses: ORDER_STATUSES });
  });

  router.get('/ops/queue', async (req, res) => {
    const operator = requireOperator(ctx, req);
    const { limit } = parseInput(queueQuerySchema, req.query, 'query');
    const [waiting, live] = await Promise.all([waitingItems(ctx.prisma, policy, limit), liveAssignments(ctx.prisma)]);
    res.json({
      policy: { maxInFlight: policy.maxInFlight, leaseSeconds: policy.leaseMs / 1000 },
      waitingCount: waiting.total,
      waiting: waiting.items.map((item) => ({ ...item, updatedAt: item.updatedAt.toISOString() })),
      mine: live.filter((a) => a.operator === operator.id).map((a) => ({ ...assignmentView(a), number: a.number, status: a.status })),
      assigned: live.map((a) => ({ ...assignmentView(a), number: a.number, status: a.status })),
    });
  });

  router.post('/ops/queue/next', async (req, res) => {
    const operator = requireOperator(ctx, req);
    const result = await takeNext(ctx.prisma, operator.id, policy);
    if (result.kind === 'capped') {
      throw new ApiError(409, 'cap_reached', `you already hold ${result.held} of at most ${policy.maxInFlight} items; finish or release one first`, {
        held: result.held,
        maxInFlight: policy.maxInFlight,
      });
    }
    if (result.kind === 'empty') {
      res.status(204).end();
      return;
    }
    ctx.logger.info({ operator: operator.id, orderId: result.assignment.orderId, reason: result.assignment.reason }, 'queue item assigned');
    res.status(201).json(assignmentView(result.assignment));
  });

  const holderRoute = (action: HolderAction) =>
    router.post(`/ops/queue/:id/${action}`, async (req, res) => {
      const operator = requireOperator(ctx, req);
      const id = parseInput(assignmentIdSchema, req.params.id, 'assignment id');
      const assignment = await actOnAssignment(ctx.prisma, id, operator.id, action, policy);
      ctx.logger.info({ operator: operator.id, orderId: assignment.orderId, action }, 'queue assignment updated');
      res.json(assignmentView(assignment));
    });
  holderRoute('renew');
  holderRoute('release');
  holderRoute('done');

  router.get('/ops/operators', async (req, res) => {
    requireOperator(ctx, req);
    const loads = await operatorLoads(ctx.prisma, [...new Set(ctx.operators.values())]);
    res.json({
      maxInFlight: policy.maxInFlight,
      operators: loads.map((l) => ({ ...l, lastAssignedAt: l.lastAssignedAt?.toISOString() ?? null })),
    });
  });

  return router;
}
