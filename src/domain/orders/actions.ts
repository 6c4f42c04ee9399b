/**
 * What people may do to an order, and when. One rule set, used by the workflow's
 * update validators (so a refused action never reaches the workflow's state) and
 * documented for operators in docs/ORDER-LIFECYCLE.md.
 */
import type { Cents } from '../money';
import { checkClose, checkLedgerBounds, checkTransaction, findRepeat, ledgerOf, type Transaction, type TransactionRequest } from '../payments';
import { priceEdit, type BillLine, type LineChange } from './bill';
import { isFinal, type OrderStatus } from './status';
import { hasWorkStarted, type SubOrderStatus } from './sub-orders';

/** `device`: a point-of-sale device syncing its commands (seed 002), staff-operated. */
export type ActorRole = 'customer' | 'operator' | 'system' | 'provider' | 'device';
export interface Actor {
  role: ActorRole;
  id: string;
}

/** `reason` is recorded in the order's history with who acted; where it is optional, `actionReason` supplies one. */
export type OrderAction =
  | { type: 'confirm'; reason?: string | undefined }
  | { type: 'cancel'; reason: string }
  | { type: 'complete'; reason: string }
  | { type: 'markDelayed'; reason: string }
  | { type: 'retrySubOrder'; subOrder: string; reason?: string | undefined }
  | { type: 'openGate'; reason?: string | undefined }
  | { type: 'pay'; payment: Extract<TransactionRequest, { kind: 'payment' }> }
  | { type: 'refund'; refund: Extract<TransactionRequest, { kind: 'refund' }> }
  | { type: 'editItems'; changes: LineChange[] }
  /** Closes the order as sold: allowed only when fully paid (seed 002's 423 otherwise). */
  | { type: 'close' }
  /**
   * A device's command that failed validation: taken (its number used, logged as rejected
   * `validation_failed`) so one bad stored command never blocks the device's later ones.
   */
  | { type: 'invalid'; command: string; reason: string; fields: unknown };

/**
 * Actions that need the quoted total: the workflow checks them again once the order is quoted.
 * They record money or set prices, so only staff take them: operators, devices (a till's
 * cash drawer or card terminal took the money), the workflow itself. Customers see their bill.
 */
export const BILLING_ACTIONS: ReadonlySet<OrderAction['type']> = new Set(['pay', 'refund', 'editItems', 'close']);
const STAFF: ReadonlySet<ActorRole> = new Set(['operator', 'device', 'system']);

/** Why, as the history records it: the caller's reason, or what the action itself says. */
export function actionReason(action: OrderAction): string {
  if ('reason' in action && action.reason) return action.reason;
  switch (action.type) {
    case 'confirm':
      return 'quoted prices confirmed';
    case 'openGate':
      return 'consumables issued';
    case 'retrySubOrder':
      return `retry sub-order ${action.subOrder}`;
    case 'close':
      return 'closed as sold';
    default:
      return action.type;
  }
}

export interface ActionContext {
  status: OrderStatus;
  gateRequired: boolean;
  gateOpen: boolean;
  /** `key` names a sub-order: the provider the customer chose for those items. */
  subOrders: readonly { key: string; status: SubOrderStatus }[];
  /** Total after edits, the bill's lines, how many adjusted lines, and the payments and refunds so far. */
  total: Cents;
  lines: readonly BillLine[];
  adjustments: number;
  transactions: readonly Transaction[];
  /**
   * The rules orders were recorded with before staff-only billing, bounded amounts and price
   * matching (the workflow sets it only when replaying such a history, see its `patched()`).
   */
  legacyRules?: boolean | undefined;
}

/** The type a device command is logged under: an invalid one keeps the type the device gave it. */
export function commandType(action: OrderAction): string {
  return action.type === 'invalid' ? action.command : action.type;
}

export type Verdict = { ok: true } | { ok: false; code: string; reason: string; details?: Record<string, unknown> | undefined };

const OK: Verdict = { ok: true };
const refuse = (code: string, reason: string): Verdict => ({ ok: false, code, reason });

const OPERATOR_ONLY = new Set<OrderAction['type']>(['complete', 'markDelayed', 'retrySubOrder', 'openGate']);

export function checkAction(order: ActionContext, action: OrderAction, actor: Actor): Verdict {
  if (action.type === 'invalid') return { ok: false, code: 'validation_failed', reason: action.reason, details: { fields: action.fields } };
  const bounded = !order.legacyRules;
  if (bounded && BILLING_ACTIONS.has(action.type) && !STAFF.has(actor.role)) {
    return refuse('forbidden', `only staff (operators and devices) may ${action.type}`);
  }
  // A repeated transaction id is answered with the original result, whatever the order's state now.
  if (action.type === 'pay' || action.type === 'refund') {
    const repeat = findRepeat(order.transactions, action.type === 'pay' ? action.payment : action.refund);
    if (repeat.kind === 'repeat') return OK;
    if (repeat.kind === 'conflict') return refuse('idempotency_conflict', repeat.reason);
  }
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
      if (order.status === 'AWAITING_PAYMENT') return refuse('already_delivered', 'everything was delivered; the order waits for payment');
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
    case 'pay':
    case 'refund': {
      const request = action.type === 'pay' ? action.payment : action.refund;
      const bounds = bounded ? checkLedgerBounds(order.transactions, request) : OK;
      return bounds.ok ? checkTransaction(order.total, order.transactions, request) : bounds;
    }
    case 'editItems': {
      const { captured, refunded } = ledgerOf(order.transactions);
      const bill = bounded ? { total: order.total, paid: captured - refunded, adjustments: order.adjustments } : undefined;
      const priced = priceEdit(order.lines, action.changes, bill);
      return priced.ok ? OK : { ok: false, code: priced.code, reason: priced.reason, details: priced.details };
    }
    case 'close':
      return checkClose(order.total, order.transactions);
    default:
      // Only a message sent past the API (Temporal UI, CLI) can name another action.
      return refuse('unknown_action', `no action ${String((action as { type?: unknown }).type)}`);
  }
}
