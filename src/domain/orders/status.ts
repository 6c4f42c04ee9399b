/**
 * The one central status of an order, computed by a single pure function from the
 * order's phase, operator flags and its sub-orders — never stored per provider.
 * Used by the workflow (to publish it) and by the API (to validate filters).
 * The state machine is drawn in docs/ORDER-LIFECYCLE.md.
 */
import type { SubOrderStatus } from './sub-orders';
import { hasWorkStarted } from './sub-orders';

export const ORDER_STATUSES = [
  'RECEIVED',
  'AWAITING_CONFIRMATION',
  'DISPATCHED',
  'IN_PROGRESS',
  'IN_DELIVERY',
  'DELAYED',
  'ACTION_REQUIRED',
  'COMPLETED',
  'CANCELLED',
  'FAILED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const FINAL_STATUSES: readonly OrderStatus[] = ['COMPLETED', 'CANCELLED', 'FAILED'];

export function isFinal(status: OrderStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** Where the order's own process is; sub-orders exist from `dispatched` on. */
export type OrderPhase = 'received' | 'awaiting-confirmation' | 'dispatched' | 'closing' | 'closed';
export type OrderOutcome = 'COMPLETED' | 'CANCELLED' | 'FAILED';

export interface StatusInputs {
  phase: OrderPhase;
  /** Set once the order is decided to end (cancelled, failed, force-completed, or all delivered). */
  outcome?: OrderOutcome | undefined;
  /** An operator marked the order delayed; cleared by the next provider progress. */
  delayedByOperator: boolean;
  subOrders: readonly { status: SubOrderStatus; delayed: boolean }[];
}

export function deriveOrderStatus(order: StatusInputs): OrderStatus {
  if (order.outcome) return order.outcome;
  if (order.phase === 'received') return 'RECEIVED';
  if (order.phase === 'awaiting-confirmation') return 'AWAITING_CONFIRMATION';
  const subs = order.subOrders;
  if (subs.some((s) => s.status === 'FAILED')) return 'ACTION_REQUIRED';
  if (order.delayedByOperator || subs.some((s) => s.delayed)) return 'DELAYED';
  const open = subs.filter((s) => s.status !== 'DELIVERED' && s.status !== 'CANCELLED');
  if (open.length > 0 && open.every((s) => s.status === 'IN_DELIVERY')) return 'IN_DELIVERY';
  if (subs.some((s) => hasWorkStarted(s.status))) return 'IN_PROGRESS';
  return 'DISPATCHED';
}

/** Every sub-order delivered: the order is complete. */
export function allDelivered(subOrders: readonly { status: SubOrderStatus }[]): boolean {
  return subOrders.length > 0 && subOrders.every((s) => s.status === 'DELIVERED');
}
