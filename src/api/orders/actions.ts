/**
 * Actions on a live order. Each reaches the order's workflow as the `act` Workflow
 * Update, whose validator applies src/domain/orders/actions.ts: a refused action
 * answers 409 with a code, the reason and the current status, and changes nothing.
 *
 * Bill edits and closes are for staff, and may carry an `Idempotency-Key`: it is the
 * update's id and the order remembers it (src/domain/orders/idempotent-actions.ts), so a
 * resend after a lost response gets the first answer and applies nothing twice.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Actor, OrderAction } from '../../domain/orders/actions';
import { idempotencyConflict, type IdempotencyRef } from '../../domain/orders/idempotent-actions';
import { canonicalJson, sha256 } from '../../infra/canonical-json';
import type { ActionRequest, ActionResult as WorkflowActionResult } from '../../workflows/orders/types';
import { operatorOrOwner, requireOperator, requireStaff } from '../auth';
import type { ApiContext } from '../context';
import { formatMoney, parseMoney } from '../../domain/money';
import { ApiError, parseInput } from '../errors';
import { renewForOrder } from '../ops/queue-store';
import { billingView } from '../payments/views';
import { sendAction } from '../workflow-updates';
import { AUTH, documentRoute, jsonBody, jsonResponse, type OpenAPIRegistry } from '../openapi-kit';
import { findOrder, orderPathParams } from './routes';
import {
  actionResultSchema,
  editItemsSchema,
  idempotencyKeySchema,
  optionalReasonSchema,
  orderIdSchema,
  reasonSchema,
  type ActionResult,
} from './schemas';
import type { OrderRow } from './views';

type ActionBuilder = (req: Request) => OrderAction;
type Who = 'operator' | 'operator-or-owner' | 'staff';

/** Actions that take an Idempotency-Key. */
const KEYED: ReadonlySet<OrderAction['type']> = new Set(['editItems', 'close']);

export function orderActionsRouter(ctx: ApiContext): Router {
  const router = Router();
  const route = (path: string, who: Who, build: ActionBuilder) =>
    router.post(path, (req, res) => act(ctx, req, res, who, build));

  route('/orders/:id/confirm', 'operator-or-owner', (req) => ({ type: 'confirm', reason: optionalReason(req) }));
  route('/orders/:id/cancel', 'operator-or-owner', (req) => ({ type: 'cancel', reason: parseInput(reasonSchema, req.body).reason }));
  route('/orders/:id/complete', 'operator', (req) => ({ type: 'complete', reason: parseInput(reasonSchema, req.body).reason }));
  route('/orders/:id/delay', 'operator', (req) => ({ type: 'markDelayed', reason: parseInput(reasonSchema, req.body).reason }));
  route('/orders/:id/gate/open', 'operator', (req) => ({ type: 'openGate', reason: optionalReason(req) }));
  route('/orders/:id/sub-orders/:key/retry', 'operator', (req) => ({ type: 'retrySubOrder', subOrder: String(req.params.key), reason: optionalReason(req) }));
  route('/orders/:id/items', 'staff', (req) => ({ type: 'editItems', changes: lineChanges(parseInput(editItemsSchema, req.body).changes) }));
  route('/orders/:id/close', 'staff', () => ({ type: 'close' }));
  return router;
}

async function act(ctx: ApiContext, req: Request, res: Response, who: Who, build: ActionBuilder): Promise<void> {
  const order = await findOrder(ctx, req, {});
  const actor: Actor =
    who === 'operator' ? requireOperator(ctx, req) : who === 'staff' ? requireStaff(ctx, req) : operatorOrOwner(ctx, req, order.customerId);
  const action = build(req);
  const key = KEYED.has(action.type) ? parseInput(idempotencyKeySchema, req.header('Idempotency-Key'), 'Idempotency-Key') : undefined;
  const answer = key
    ? await keyedAction(ctx, order, { action, actor }, { key, fingerprint: sha256(canonicalJson(action)) })
    : answerOf(order.id, action, await sendAction(ctx, order, { action, actor }));
  ctx.logger.info({ orderId: order.id, action: action.type, actor: `${actor.role}:${actor.id}`, status: answer.status }, 'order action accepted');
  // Acting on an order you hold from the work queue is activity: it keeps your lease.
  if (actor.role === 'operator') await renewForOrder(ctx.prisma, order.id, actor.id, ctx.queuePolicy);
  res.json(answer);
}

/** An optional `{"reason"}` body; without one the history records what the action says (actionReason). */
function optionalReason(req: Request): string | undefined {
  return parseInput(optionalReasonSchema, req.body ?? {}).reason;
}

function answerOf(orderId: string, action: OrderAction, result: WorkflowActionResult): ActionResult {
  const balance = result.balanceDue === undefined ? {} : { balanceDue: formatMoney(result.balanceDue) };
  return { orderId, action: action.type, status: result.status, ...balance };
}

/** The update id of an action sent with an Idempotency-Key. */
export function keyedUpdateId(key: string): string {
  return `idem:${key}`;
}

/**
 * Applies a keyed action once. Repeats are answered by Temporal (same run), the workflow's
 * memory (across continue-as-new), or, once the order has finished, the read model's history.
 */
async function keyedAction(ctx: ApiContext, order: OrderRow, request: ActionRequest, ref: IdempotencyRef): Promise<ActionResult> {
  // The running workflow is asked first (it remembers every key it applied): a read-model row may
  // come from a workflow task that never committed, so the history answers only a finished order.
  try {
    const result = await sendAction(ctx, order, { ...request, idempotency: ref }, keyedUpdateId(ref.key));
    // Temporal answers a concurrent request with the same key by the first one's outcome, whatever it asked.
    if (result.fingerprint !== ref.fingerprint) throw keyConflict(ref.key);
    return answerOf(order.id, request.action, result);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'order_closed') return (await keyedAnswer(ctx, order.id, request.action, ref)) ?? Promise.reject(error);
    throw error;
  }
}

/** The answer a keyed action got, from the history entry the workflow recorded for it. */
async function keyedAnswer(ctx: ApiContext, orderId: string, action: OrderAction, ref: IdempotencyRef): Promise<ActionResult | undefined> {
  const entry = await ctx.prisma.orderHistory.findFirst({ where: { orderId, details: { path: ['idempotencyKey'], equals: ref.key } } });
  if (!entry) return undefined;
  const details = entry.details as { fingerprint?: string; answer?: { status: ActionResult['status']; balanceDue: string } };
  if (details.fingerprint !== ref.fingerprint) throw keyConflict(ref.key);
  if (details.answer) return { orderId, action: action.type, ...details.answer };
  // A close: the order has stayed as it left it (closed, nothing due).
  const order = await ctx.prisma.order.findUniqueOrThrow({ where: { id: orderId }, include: { payments: true } });
  return { orderId, action: action.type, status: order.status as ActionResult['status'], balanceDue: billingView(order.totalCents, order.payments).balanceDue };
}

function keyConflict(key: string): ApiError {
  return new ApiError(409, 'idempotency_conflict', idempotencyConflict(key), { idempotencyKey: key });
}

/** Wire line changes (decimal prices) → the workflow's (cents). */
export function lineChanges(changes: { provider: string; sku: string; quantity: number; unitPrice?: string | undefined }[]) {
  return changes.map((change) => ({ ...change, unitPrice: change.unitPrice === undefined ? undefined : parseMoney(change.unitPrice) }));
}

const ACTIONS: { path: string; who: Who; summary: string; body?: z.ZodType; params?: z.ZodObject }[] = [
  { path: '/orders/:id/confirm', who: 'operator-or-owner', summary: 'Accept the quoted prices; answers once the order is dispatched', body: optionalReasonSchema },
  { path: '/orders/:id/cancel', who: 'operator-or-owner', summary: 'Cancel (the owner only before work started)', body: reasonSchema },
  { path: '/orders/:id/complete', who: 'operator', summary: 'Force-complete a dispatched order', body: reasonSchema },
  { path: '/orders/:id/delay', who: 'operator', summary: 'Mark the order delayed', body: reasonSchema },
  { path: '/orders/:id/gate/open', who: 'operator', summary: 'Consumables issued: the sub-orders are placed with their providers', body: optionalReasonSchema },
  {
    path: '/orders/:id/sub-orders/:key/retry',
    who: 'operator',
    summary: 'Place a FAILED sub-order again (the failed attempt is cancelled at its provider)',
    body: optionalReasonSchema,
    params: z.object({ id: orderIdSchema, key: z.string().meta({ description: 'the sub-order key (its first provider)' }) }),
  },
  { path: '/orders/:id/items', who: 'staff', summary: 'Edit the bill (staff only): quantity changes per line at its unit price (see Payments)', body: editItemsSchema },
  { path: '/orders/:id/close', who: 'staff', summary: 'Close as sold (staff only): only when fully paid (423 payment_due otherwise)' },
];

const SECURITY: Record<Who, (typeof AUTH)[keyof typeof AUTH]> = { operator: AUTH.operator, staff: AUTH.staff, 'operator-or-owner': AUTH.staffOrCustomer };
const idempotencyHeader = z.object({
  'idempotency-key': idempotencyKeySchema.meta({
    description: 'makes a resend safe: the first answer again, applied once (the same key for another request: 409 idempotency_conflict)',
  }),
});

export function registerOrderActionPaths(registry: OpenAPIRegistry): void {
  for (const action of ACTIONS) {
    documentRoute(registry, {
      method: 'post',
      path: action.path,
      tags: ['order actions'],
      summary: action.summary,
      description: 'A Workflow Update validated against the order\'s current state; a refused action changes nothing (409).',
      security: SECURITY[action.who],
      request: {
        params: action.params ?? orderPathParams,
        ...(action.who === 'staff' ? { headers: idempotencyHeader } : {}),
        ...(action.body ? { body: jsonBody(action.body, action.body !== optionalReasonSchema) } : {}),
      },
      responses: { 200: jsonResponse('accepted; the order\'s status after it', actionResultSchema) },
      errors: [400, 401, 403, 404, 409, 423, 503],
    });
  }
}
