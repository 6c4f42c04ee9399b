/**
 * Actions on a live order. Each reaches the order's workflow as the `act` Workflow
 * Update, whose validator applies src/domain/orders/actions.ts: a refused action
 * answers 409 with a code, the reason and the current status, and changes nothing.
 */
import { Router, type Request, type Response } from 'express';
import type { Actor, OrderAction } from '../../domain/orders/actions';
import { operatorOrOwner, requireOperator } from '../auth';
import type { ApiContext } from '../context';
import { formatMoney, parseMoney } from '../../domain/money';
import { parseInput } from '../errors';
import { sendAction } from '../workflow-updates';
import { findOrder } from './routes';
import { editItemsSchema, optionalReasonSchema, reasonSchema } from './schemas';

type ActionBuilder = (req: Request) => OrderAction;
type Who = 'operator' | 'operator-or-owner';

export function orderActionsRouter(ctx: ApiContext): Router {
  const router = Router();
  const route = (path: string, who: Who, build: ActionBuilder) =>
    router.post(path, (req, res) => act(ctx, req, res, who, build));

  route('/orders/:id/confirm', 'operator-or-owner', () => ({ type: 'confirm' }));
  route('/orders/:id/cancel', 'operator-or-owner', (req) => ({ type: 'cancel', reason: parseInput(reasonSchema, req.body).reason }));
  route('/orders/:id/complete', 'operator', (req) => ({ type: 'complete', reason: parseInput(reasonSchema, req.body).reason }));
  route('/orders/:id/delay', 'operator', (req) => ({ type: 'markDelayed', reason: parseInput(reasonSchema, req.body).reason }));
  route('/orders/:id/gate/open', 'operator', (req) => {
    parseInput(optionalReasonSchema, req.body ?? {});
    return { type: 'openGate' };
  });
  route('/orders/:id/sub-orders/:key/retry', 'operator', (req) => ({ type: 'retrySubOrder', subOrder: String(req.params.key) }));
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
  const balance = result.balanceDue === undefined ? {} : { balanceDue: formatMoney(result.balanceDue) };
  res.json({ orderId: order.id, action: action.type, status: result.status, ...balance });
}

/** Wire line changes (decimal prices) → the workflow's (cents). */
export function lineChanges(changes: { provider: string; sku: string; quantity: number; unitPrice?: string | undefined }[]) {
  return changes.map((change) => ({ ...change, unitPrice: change.unitPrice === undefined ? undefined : parseMoney(change.unitPrice) }));
}
