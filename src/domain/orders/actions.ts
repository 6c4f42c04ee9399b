/**
 * What people may do to an order, and when. One rule set, used by the workflow's
 * update validators (so a refused action never reaches the workflow's state) and
 * documented for operators in docs/ORDER-LIFECYCLE.md.
 */
import { isFinal, type OrderStatus } from './status';
import { hasWorkStarted, type SubOrderStatus } from './sub-orders';

export type ActorRole = 'customer' | 'operator' | 'system' | 'provider';
export interface Actor {
  role: ActorRole;
  id: string;
}

export type OrderAction =
  | { type: 'confirm' }
  | { type: 'cancel'; reason: string }
  | { type: 'complete'; reason: string }
  | { type: 'markDelayed'; reason: string }
  | { type: 'retrySubOrder'; subOrder: string }
  | { type: 'openGate' };

export interface ActionContext {
  status: OrderStatus;
  gateRequired: boolean;
  gateOpen: boolean;
  /** `key` names a sub-order: the provider the customer chose for those items. */
  subOrders: readonly { key: string; status: SubOrderStatus }[];
}

export type Verdict = { ok: true } | { ok: false; code: string; reason: string };

const OK: Verdict = { ok: true };
const refuse = (code: string, reason: string): Verdict => ({ ok: false, code, reason });

const OPERATOR_ONLY = new Set<OrderAction['type']>(['complete', 'markDelayed', 'retrySubOrder', 'openGate']);

export function checkAction(order: ActionContext, action: OrderAction, actor: Actor): Verdict {
  if (isFinal(order.status)) return refuse('order_closed', `the order is already ${order.status}`);
  if (OPERATOR_ONLY.has(action.type) && actor.role !== 'operator' && actor.role !== 'system') {
    return refuse('forbidden', `only operators may ${action.type}`);
  }
  switch (action.type) {
    case 'confirm':
      return order.status === 'AWAITING_CONFIRMATION' ? OK : refuse('not_awaiting_confirmation', `the order is ${order.status}`);
    case 'cancel':
      // Seed 004's open question: once a provider started work, only an operator may cancel
      // (providers are asked to stop; what they refuse is recorded). Customers may not.
      if (actor.role === 'customer' && order.subOrders.some((s) => hasWorkStarted(s.status))) {
        return refuse('not_cancellable', 'work on the order has started; ask an operator');
      }
      return OK;
    case 'complete':
      return order.status === 'RECEIVED' || order.status === 'AWAITING_CONFIRMATION'
        ? refuse('not_dispatched', 'an order that was never dispatched cannot be completed')
        : OK;
    case 'markDelayed':
      return order.status === 'RECEIVED' || order.status === 'AWAITING_CONFIRMATION'
        ? refuse('not_dispatched', 'only a dispatched order can be delayed')
        : OK;
    case 'retrySubOrder': {
      const sub = order.subOrders.find((s) => s.key === action.subOrder);
      if (!sub) return refuse('unknown_sub_order', `no sub-order ${action.subOrder}`);
      return sub.status === 'FAILED' ? OK : refuse('sub_order_not_failed', `sub-order ${action.subOrder} is ${sub.status}`);
    }
    case 'openGate':
      if (!order.gateRequired) return refuse('no_gate', 'this order does not wait for consumables');
      return order.gateOpen ? refuse('gate_already_open', 'consumables were already issued') : OK;
  }
}
