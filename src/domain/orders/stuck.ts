/**
 * When an order is "stuck": it sat in one non-final status for longer than that
 * status's threshold, measured from its last read-model update (`updatedAt`).
 * One rule, shared by the orders list (highlight and filter), the work queue, and
 * later the reconciler. Pure: the caller passes `now`.
 */
import { FINAL_STATUSES, ORDER_STATUSES, type OrderStatus } from './status';

export type ActiveStatus = Exclude<OrderStatus, 'COMPLETED' | 'CANCELLED' | 'FAILED'>;
export type StuckThresholds = Readonly<Record<ActiveStatus, number>>;

export const ACTIVE_STATUSES = ORDER_STATUSES.filter((s) => !FINAL_STATUSES.includes(s)) as ActiveStatus[];

/**
 * Defaults, in milliseconds. AWAITING_CONFIRMATION waits on a customer, so it may sit longer;
 * AWAITING_PAYMENT is delivered but not paid in full, which the till should settle within half an hour.
 */
export const DEFAULT_STUCK_THRESHOLDS: StuckThresholds = {
  RECEIVED: 2 * 60_000,
  AWAITING_CONFIRMATION: 60 * 60_000,
  DISPATCHED: 15 * 60_000,
  IN_PROGRESS: 60 * 60_000,
  IN_DELIVERY: 60 * 60_000,
  DELAYED: 60 * 60_000,
  ACTION_REQUIRED: 15 * 60_000,
  AWAITING_PAYMENT: 30 * 60_000,
};

export interface StuckInput {
  status: string;
  updatedAt: Date;
}

export function isActiveStatus(status: string): status is ActiveStatus {
  return (ACTIVE_STATUSES as string[]).includes(status);
}

/** The instant from which an order in `status` counts as stuck, or undefined for a final status. */
export function stuckAt(order: StuckInput, thresholds: StuckThresholds): Date | undefined {
  if (!isActiveStatus(order.status)) return undefined;
  return new Date(order.updatedAt.getTime() + thresholds[order.status]);
}

export function isStuck(order: StuckInput, now: Date, thresholds: StuckThresholds): boolean {
  const at = stuckAt(order, thresholds);
  return at !== undefined && at.getTime() <= now.getTime();
}

/**
 * The same rule as a database filter: an order is stuck iff its status is one of these
 * and its `updatedAt` is at or before that status's cutoff.
 */
export function stuckCutoffs(now: Date, thresholds: StuckThresholds): { status: ActiveStatus; updatedBefore: Date }[] {
  return ACTIVE_STATUSES.map((status) => ({ status, updatedBefore: new Date(now.getTime() - thresholds[status]) }));
}

/** Parses `STATUS:seconds,STATUS:seconds` overrides onto the defaults; throws naming a bad entry. */
export function parseStuckThresholds(text: string | undefined, defaults: StuckThresholds = DEFAULT_STUCK_THRESHOLDS): StuckThresholds {
  const result: Record<ActiveStatus, number> = { ...defaults };
  for (const entry of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^([A-Z_]+):(\d+(?:\.\d+)?)$/.exec(entry);
    if (!match || !isActiveStatus(match[1]!)) throw new Error(`"${entry}" is not STATUS:seconds for a non-final status`);
    result[match[1]] = Number(match[2]) * 1000;
  }
  return result;
}
