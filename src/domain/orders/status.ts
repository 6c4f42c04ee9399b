/**
 * The one central status of an order, computed by a single pure function from the
 * order's phase, operator flags and its sub-orders — never stored per provider.
 * Used by the workflow (to publish it) and by the API (to validate filters).
 * The state machine is drawn in docs/ORDER-LIFECYCLE.md.
 */
import type { Cents } from '../money';
import type { SubOrderStatus } from './sub-orders';
import { hasWorkStarted, isSubOrderClosed } from './sub-orders';

export const ORDER_STATUSES = [
  'RECEIVED',
  'AWAITING_CONFIRMATION',
  'DISPATCHED',
  'IN_PROGRESS',
  'IN_DELIVERY',
  'DELAYED',
  'ACTION_REQUIRED',
  'AWAITING_PAYMENT',
  'COMPLETED',
  'CANCELLED',
  'FAILED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const FINAL_STATUSES: readonly OrderStatus[] = ['COMPLETED', 'CANCELLED', 'FAILED'];

export function isFinal(status: OrderStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/**
 * Where the order's own process is; sub-orders exist from `dispatched` on. `awaiting-payment`:
 * everything was delivered, and the order waits for the rest of a bill already being paid.
 */
export type OrderPhase = 'received' | 'awaiting-confirmation' | 'dispatched' | 'awaiting-payment' | 'closing' | 'closed';
export type OrderOutcome = 'COMPLETED' | 'CANCELLED' | 'FAILED';

export interface StatusInputs {
  phase: OrderPhase;
  /** Set once the order is decided to end (cancelled, failed, force-completed, or all delivered). */
  outcome?: OrderOutcome | undefined;
  /** An operator marked the order delayed; cleared by the next provider progress. */
  delayedByOperator: boolean;
  subOrders: readonly { status: SubOrderStatus; delayed: boolean }[];
}

/**
 * Which rule set: 1 is what orders recorded before the `order-lifecycle-v2` patch used (once every
 * sub-order was closed it fell back to IN_PROGRESS, a step backwards); their replays keep it.
 */
export type StatusRules = 1 | 2;

export function deriveOrderStatus(order: StatusInputs, rules: StatusRules = 2): OrderStatus {
  if (order.outcome) return order.outcome;
  if (order.phase === 'received') return 'RECEIVED';
  if (order.phase === 'awaiting-confirmation') return 'AWAITING_CONFIRMATION';
  if (order.phase === 'awaiting-payment') return 'AWAITING_PAYMENT';
  const subs = order.subOrders;
  if (subs.some((s) => s.status === 'FAILED')) return 'ACTION_REQUIRED';
  if (order.delayedByOperator || subs.some((s) => s.delayed)) return 'DELAYED';
  // Everything delivered, the outcome not yet decided: still the last step before the end, never back.
  if (rules === 2 && allDelivered(subs)) return 'IN_DELIVERY';
  // Rule 2: a sub-order cancelled while the order is open is being moved to an alternate provider
  // (cancelled at the first, then placed anew): it is still open, so the status does not flicker.
  const open = subs.filter((s) => (rules === 2 ? s.status !== 'DELIVERED' : !isSubOrderClosed(s.status)));
  if (open.length > 0 && open.every((s) => s.status === 'IN_DELIVERY')) return 'IN_DELIVERY';
  if (subs.some((s) => hasWorkStarted(s.status))) return 'IN_PROGRESS';
  return 'DISPATCHED';
}

/**
 * The state machine `deriveOrderStatus` produces, as drawn in docs/ORDER-LIFECYCLE.md (a unit test
 * holds the two together): from each status, where an order may go next. Nothing goes back to
 * RECEIVED or AWAITING_CONFIRMATION, nor from IN_DELIVERY to IN_PROGRESS; final statuses stay.
 */
export const STATUS_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  RECEIVED: ['AWAITING_CONFIRMATION', 'DISPATCHED', 'CANCELLED', 'FAILED'],
  AWAITING_CONFIRMATION: ['DISPATCHED', 'CANCELLED', 'FAILED'],
  DISPATCHED: ['IN_PROGRESS', 'IN_DELIVERY', 'DELAYED', 'ACTION_REQUIRED', 'COMPLETED', 'CANCELLED', 'FAILED'],
  IN_PROGRESS: ['IN_DELIVERY', 'DELAYED', 'ACTION_REQUIRED', 'COMPLETED', 'CANCELLED', 'FAILED'],
  IN_DELIVERY: ['DELAYED', 'ACTION_REQUIRED', 'AWAITING_PAYMENT', 'COMPLETED', 'CANCELLED', 'FAILED'],
  DELAYED: ['DISPATCHED', 'IN_PROGRESS', 'IN_DELIVERY', 'ACTION_REQUIRED', 'COMPLETED', 'CANCELLED', 'FAILED'],
  ACTION_REQUIRED: ['DISPATCHED', 'IN_PROGRESS', 'DELAYED', 'COMPLETED', 'CANCELLED', 'FAILED'],
  AWAITING_PAYMENT: ['COMPLETED', 'CANCELLED'],
  COMPLETED: [],
  CANCELLED: [],
  FAILED: [],
};

export function isLegalTransition(from: OrderStatus, to: OrderStatus): boolean {
  return STATUS_TRANSITIONS[from].includes(to);
}

/** Every sub-order delivered: the order is complete. */
export function allDelivered(subOrders: readonly { status: SubOrderStatus }[]): boolean {
  return subOrders.length > 0 && subOrders.every((s) => s.status === 'DELIVERED');
}

export interface BillProgress {
  /** Payments or refunds recorded so far. */
  transactions: number;
  /** A point-of-sale device created the order: it is paid at the till. */
  createdByDevice: boolean;
  balanceDue: Cents;
}

/**
 * Seed 002: an order is closed ("sold") only when fully paid. Once everything is delivered, an order
 * whose bill is being paid (a payment recorded, or created by a device) waits for the rest in
 * AWAITING_PAYMENT; one with no payments at all completes on delivery (paid elsewhere, e.g. online).
 */
export function awaitsPayment(bill: BillProgress): boolean {
  return (bill.transactions > 0 || bill.createdByDevice) && bill.balanceDue > 0;
}
