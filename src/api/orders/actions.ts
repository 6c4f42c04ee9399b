/**
 * Actions on a live order. Each reaches the order's workflow as the `act` Workflow
 * Update, whose validator applies src/domain/orders/actions.ts: a refused action
 * answers 409 with a code, the reason and the current status, and changes nothing.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Actor, OrderAction } from '../../domain/orders/actions';
import { operatorOrOwner, requireOperator } from '../auth';
import type { ApiContext } from '../context';
import { formatMoney, parseMoney } from '../../domain/money';
import { parseInput } from '../errors';
import { renewForOrder } from '../ops/queue-store';
import { sendAction } from '../workflow-updates';
import { AUTH, documentRoute, jsonBody, jsonResponse, type OpenAPIRegistry } from '../openapi-kit';
import { findOrder, orderPathParams } from './routes';
import { actionResultSchema, editItemsSchema, optionalReasonSchema, orderIdSchema, reasonSchema, type ActionResult } from './schemas';

type ActionBuilder = (req: Request) => OrderAction;
type Who = 'operator' | 'operator-or-owner';

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
  route('/orders/:id/items', 'operator-or-owner', (req) => ({ type: 'editItems', changes: lineChanges(parseInput(editItemsSchema, req.body).changes) }));
  route('/orders/:id/close', 'operator-or-owner', () => ({ type: 'close' }));
  return router;
}

async function act(ctx: ApiContext, req: Request, res: Response, who: Who, build: ActionBuilder): Promise<void> {
  const order = await findOrder(ctx, req, {});
  const actor: Actor = who === 'operator' ? requireOperator(ctx, req) : operatorOrOwner(ctx, req, order.customerId);
  const action = build(req);
  const result = await sendAction(ctx, order, { action, actor });
  ctx.logger.info({ orderId: order.id, action: action.type, actor: `${actor.role}:${actor.id}`, status: result.status }, 'order action accepted');
  // Acting on an order you hold from the work queue is activity: it keeps your lease.
  if (actor.role === 'operator') await renewForOrder(ctx.prisma, order.id, actor.id, ctx.queuePolicy);
  const balance = result.balanceDue === undefined ? {} : { balanceDue: formatMoney(result.balanceDue) };
  const answer: ActionResult = { orderId: order.id, action: action.type, status: result.status, ...balance };
  res.json(answer);
}

/** An optional `{"reason"}` body; without one the history records what the action says (actionReason). */
function optionalReason(req: Request): string | undefined {
  return parseInput(optionalReasonSchema, req.body ?? {}).reason;
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
  { path: '/orders/:id/items', who: 'operator-or-owner', summary: 'Edit the bill: quantity changes per line (see Payments)', body: editItemsSchema },
  { path: '/orders/:id/close', who: 'operator-or-owner', summary: 'Close as sold: only when fully paid (423 payment_due otherwise)' },
];

export function registerOrderActionPaths(registry: OpenAPIRegistry): void {
  for (const action of ACTIONS) {
    documentRoute(registry, {
      method: 'post',
      path: action.path,
      tags: ['order actions'],
      summary: action.summary,
      description: 'A Workflow Update validated against the order\'s current state; a refused action changes nothing (409).',
      security: action.who === 'operator' ? AUTH.operator : AUTH.operatorOrCustomer,
      request: { params: action.params ?? orderPathParams, ...(action.body ? { body: jsonBody(action.body, action.body !== optionalReasonSchema) } : {}) },
      responses: { 200: jsonResponse('accepted; the order\'s status after it', actionResultSchema) },
      errors: [400, 401, 403, 404, 409, 423, 503],
    });
  }
}
