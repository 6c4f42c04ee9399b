/**
 * The operators' work queue and load (operators only):
 *   GET  /ops/session              who the token belongs to, and the order statuses (the console's login check)
 *   GET  /ops/queue                waiting items, the caller's assignments, everyone's live ones
 *   POST /ops/queue/next           assign the oldest eligible item to the caller
 *   POST /ops/queue/:id/renew      keep the lease (the console calls it on the operator's activity, not on its polls)
 *   POST /ops/queue/:id/release    give the item back to the queue
 *   POST /ops/queue/:id/done       finish it
 *   GET  /ops/operators            per-operator load: held, done, released, expired, time to handle
 */
import { Router } from 'express';
import { z } from 'zod';
import { ASSIGNMENT_STATES, QUEUE_REASONS } from '../../domain/ops/queue';
import { ORDER_STATUSES } from '../../domain/orders/status';
import { requireOperator } from '../auth';
import type { ApiContext } from '../context';
import { ApiError, parseInput } from '../errors';
import { AUTH, documentRoute, jsonResponse, type OpenAPIRegistry } from '../openapi-kit';
import { actOnAssignment, liveAssignments, operatorLoads, takeNext, waitingItems, type AssignmentRow, type HolderAction } from './queue-store';

const assignmentIdSchema = z.uuid();
const queueQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });

export const sessionSchema = z.object({ operator: z.string(), statuses: z.array(z.enum(ORDER_STATUSES)) }).meta({ id: 'OperatorSession' });

export const assignmentSchema = z
  .object({
    id: z.uuid(),
    orderId: z.uuid(),
    operator: z.string(),
    reason: z.string().meta({ description: `why the order needed a human: ${QUEUE_REASONS.join(', ')}` }),
    state: z.enum(ASSIGNMENT_STATES),
    assignedAt: z.string(),
    renewedAt: z.string(),
    leaseUntil: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'QueueAssignment' });

const liveAssignmentSchema = assignmentSchema.extend({ number: z.number().int(), status: z.string() });

export const queueSchema = z
  .object({
    policy: z.object({ maxInFlight: z.number().int(), leaseSeconds: z.number() }),
    waitingCount: z.number().int(),
    waiting: z.array(
      z.object({ orderId: z.uuid(), number: z.number().int(), status: z.string(), customerId: z.string(), updatedAt: z.string(), reason: z.enum(QUEUE_REASONS) }),
    ),
    mine: z.array(liveAssignmentSchema),
    assigned: z.array(liveAssignmentSchema),
  })
  .meta({ id: 'WorkQueue' });

export const operatorLoadsSchema = z
  .object({
    maxInFlight: z.number().int(),
    operators: z.array(
      z.object({
        operator: z.string(),
        active: z.number().int(),
        done: z.number().int(),
        released: z.number().int(),
        expired: z.number().int(),
        avgHandleSeconds: z.number().nullable(),
        lastAssignedAt: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'OperatorLoads' });

function assignmentView(a: AssignmentRow): z.infer<typeof assignmentSchema> {
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

export function queueRouter(ctx: ApiContext): Router {
  const router = Router();
  const policy = ctx.queuePolicy;

  router.get('/ops/session', (req, res) => {
    const operator = requireOperator(ctx, req);
    const answer: z.infer<typeof sessionSchema> = { operator: operator.id, statuses: [...ORDER_STATUSES] };
    res.json(answer);
  });

  router.get('/ops/queue', async (req, res) => {
    const operator = requireOperator(ctx, req);
    const { limit } = parseInput(queueQuerySchema, req.query, 'query');
    const [waiting, live] = await Promise.all([waitingItems(ctx.prisma, policy, limit), liveAssignments(ctx.prisma)]);
    const answer: z.infer<typeof queueSchema> = {
      policy: { maxInFlight: policy.maxInFlight, leaseSeconds: policy.leaseMs / 1000 },
      waitingCount: waiting.total,
      waiting: waiting.items.map((item) => ({ ...item, updatedAt: item.updatedAt.toISOString() })),
      mine: live.filter((a) => a.operator === operator.id).map((a) => ({ ...assignmentView(a), number: a.number, status: a.status })),
      assigned: live.map((a) => ({ ...assignmentView(a), number: a.number, status: a.status })),
    };
    res.json(answer);
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
    const answer: z.infer<typeof operatorLoadsSchema> = {
      maxInFlight: policy.maxInFlight,
      operators: loads.map((l) => ({ ...l, lastAssignedAt: l.lastAssignedAt?.toISOString() ?? null })),
    };
    res.json(answer);
  });

  return router;
}

export function registerQueuePaths(registry: OpenAPIRegistry): void {
  const operatorRoute = { tags: ['work queue'], security: AUTH.operator };
  documentRoute(registry, {
    ...operatorRoute,
    method: 'get',
    path: '/ops/session',
    summary: 'Who the operator token belongs to (the console checks its login with it)',
    responses: { 200: jsonResponse('the operator', sessionSchema) },
    errors: [401],
  });
  documentRoute(registry, {
    ...operatorRoute,
    method: 'get',
    path: '/ops/queue',
    summary: 'Orders waiting for a human (oldest first), your assignments and everyone’s live ones',
    request: { query: queueQuerySchema },
    responses: { 200: jsonResponse('the work queue', queueSchema) },
    errors: [400, 401],
  });
  documentRoute(registry, {
    ...operatorRoute,
    method: 'post',
    path: '/ops/queue/next',
    summary: 'Assign the oldest waiting order to you, within your in-flight cap (QUEUE_MAX_IN_FLIGHT)',
    responses: { 201: jsonResponse('the new assignment', assignmentSchema), 204: { description: 'nothing is waiting' } },
    errors: [401, 409],
  });
  const assignmentParams = z.object({ id: assignmentIdSchema });
  const holderSummaries: Record<HolderAction, string> = {
    renew: 'Keep your assignment for another lease (QUEUE_LEASE_SECONDS)',
    release: 'Give your assignment back to the queue',
    done: 'Finish your assignment',
  };
  for (const [action, summary] of Object.entries(holderSummaries)) {
    documentRoute(registry, {
      ...operatorRoute,
      method: 'post',
      path: `/ops/queue/:id/${action}`,
      summary,
      request: { params: assignmentParams },
      responses: { 200: jsonResponse('the assignment after the change', assignmentSchema) },
      errors: [400, 401, 403, 404, 409],
    });
  }
  documentRoute(registry, {
    ...operatorRoute,
    method: 'get',
    path: '/ops/operators',
    summary: 'Each operator’s load: holding, done, given back, lapsed, average time to handle',
    responses: { 200: jsonResponse('operator loads', operatorLoadsSchema) },
    errors: [401],
  });
}
