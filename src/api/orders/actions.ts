/**
 * Actions on a live order. Each reaches the order's workflow as the `act` Workflow
 * Update, whose validator applies src/domain/orders/actions.ts: a refused action
 * answers 409 with a code, the reason and the current status, and changes nothing.
 */
import { Router, type Request, type Response } from 'express';
import type { Actor, OrderAction } from '../../domain/orders/actions';
import { actUpdate } from '../../workflows/orders/messages';
import { operatorOrOwner, requireOperator } from '../auth';
import type { ApiContext } from '../context';
import { parseInput } from '../errors';
import { renewForOrder } from '../ops/queue-store';
import { refusalToHttp, withinUpdateDeadline } from '../workflow-updates';
import { findOrder } from './routes';
import { optionalReasonSchema, reasonSchema } from './schemas';

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
  return router;
}

async function act(ctx: ApiContext, req: Request, res: Response, who: Who, build: ActionBuilder): Promise<void> {
  const order = await findOrder(ctx, req, {});
  const actor: Actor = who === 'operator' ? requireOperator(ctx, req) : operatorOrOwner(ctx, req, order.customerId);
  const action = build(req);
  try {
    const result = await withinUpdateDeadline(ctx, () =>
      ctx.temporal.workflow.getHandle(order.workflowId).executeUpdate(actUpdate, { args: [{ action, actor }] }),
    );
    ctx.logger.info({ orderId: order.id, action: action.type, actor: `${actor.role}:${actor.id}`, status: result.status }, 'order action accepted');
    // Acting on an order you hold from the work queue is activity: it keeps your lease.
    if (actor.role === 'operator') await renewForOrder(ctx.prisma, order.id, actor.id, ctx.queuePolicy);
    res.json({ orderId: order.id, action: action.type, status: result.status });
  } catch (error) {
    throw refusalToHttp(error, order.status);
  }
}
