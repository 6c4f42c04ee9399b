/**
 * When an order counts as stuck: no progress (read-model update) for longer than its
 * status allows. One rule for the reconciler, the ops endpoint and the console.
 */
import { isFinal, type OrderStatus } from './status';

export type StuckThresholds = Partial<Record<OrderStatus, number>>;

/** Seconds without progress after which an open order is stuck, per status. */
export const DEFAULT_STUCK_AFTER_SECONDS: Required<Omit<StuckThresholds, 'COMPLETED' | 'CANCELLED' | 'FAILED'>> = {
  RECEIVED: 5 * 60,
  AWAITING_CONFIRMATION: 60 * 60,
  DISPATCHED: 30 * 60,
  IN_PROGRESS: 2 * 60 * 60,
  IN_DELIVERY: 2 * 60 * 60,
  DELAYED: 60 * 60,
  ACTION_REQUIRED: 15 * 60,
};

/** `DISPATCHED=900,IN_PROGRESS=3600` → thresholds over the defaults. */
export function parseStuckThresholds(text: string | undefined): StuckThresholds {
  const thresholds: StuckThresholds = { ...DEFAULT_STUCK_AFTER_SECONDS };
  for (const pair of (text ?? '').split(',').filter(Boolean)) {
    const [status, seconds] = pair.split('=');
    if (!status || !(status in DEFAULT_STUCK_AFTER_SECONDS) || !/^\d+(\.\d+)?$/.test(seconds ?? '')) {
      throw new RangeError(`expected STATUS=seconds pairs for open statuses, got "${pair}"`);
    }
    thresholds[status as OrderStatus] = Number(seconds);
  }
  return thresholds;
}

export function isStuck(order: { status: string; updatedAt: Date }, now: Date, thresholds: StuckThresholds): boolean {
  const status = order.status as OrderStatus;
  if (isFinal(status)) return false;
  const limit = thresholds[status];
  return limit !== undefined && now.getTime() - order.updatedAt.getTime() > limit * 1000;
}
