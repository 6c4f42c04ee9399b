/**
 * A sub-order is the part of an order one provider fulfils. Its status only moves
 * forward: a late or duplicated provider report can never move it back (seed 000's
 * stale workers overwriting each other).
 *
 *   PENDING → PLACED → ACCEPTED → IN_PROGRESS → IN_DELIVERY → DELIVERED
 *                └─ rejected / SLA missed → next provider (new attempt) or FAILED
 *   any open state → CANCELLED (we cancelled it) | FAILED (provider gave up; an operator may retry)
 */
export const SUB_ORDER_STATUSES = [
  'PENDING',
  'PLACED',
  'ACCEPTED',
  'IN_PROGRESS',
  'IN_DELIVERY',
  'DELIVERED',
  'CANCELLED',
  'FAILED',
] as const;
export type SubOrderStatus = (typeof SUB_ORDER_STATUSES)[number];

/** What a provider may report about its sub-order (webhook or poll). */
export const PROVIDER_REPORTS = [
  'ACCEPTED',
  'REJECTED',
  'IN_PROGRESS',
  'IN_DELIVERY',
  'DELAYED',
  'DELIVERED',
  'CANCELLED',
  'FAILED',
] as const;
export type ProviderReport = (typeof PROVIDER_REPORTS)[number];

const PROGRESS_RANK: Partial<Record<SubOrderStatus, number>> = {
  PENDING: 0,
  PLACED: 1,
  ACCEPTED: 2,
  IN_PROGRESS: 3,
  IN_DELIVERY: 4,
  DELIVERED: 5,
};

export function isSubOrderClosed(status: SubOrderStatus): boolean {
  return status === 'DELIVERED' || status === 'CANCELLED';
}

/** Placed with the provider and not finished: cancelling it means asking the provider. */
export function isLiveAtProvider(status: SubOrderStatus): boolean {
  return status === 'PLACED' || status === 'ACCEPTED' || status === 'IN_PROGRESS' || status === 'IN_DELIVERY';
}

export function hasWorkStarted(status: SubOrderStatus): boolean {
  return (PROGRESS_RANK[status] ?? 0) >= PROGRESS_RANK.IN_PROGRESS!;
}

export type ReportOutcome =
  | { kind: 'advance'; status: SubOrderStatus }
  | { kind: 'delayed' }
  | { kind: 'rejected-by-provider' }
  | { kind: 'failed-by-provider' }
  | { kind: 'ignored'; reason: string }
  | { kind: 'refused'; code: 'gate_closed'; reason: string };

/**
 * How a provider's report changes a sub-order. `gateOpen` is false while the order
 * waits for consumables (seed 004): the provider may not start work before that.
 */
export function applyProviderReport(current: SubOrderStatus, report: ProviderReport, gateOpen: boolean): ReportOutcome {
  if (current === 'PENDING') return { kind: 'ignored', reason: 'sub-order not placed yet' };
  if (isSubOrderClosed(current) || current === 'FAILED') {
    return { kind: 'ignored', reason: `sub-order already ${current}` };
  }
  switch (report) {
    case 'DELAYED':
      return { kind: 'delayed' };
    case 'REJECTED':
      return current === 'PLACED'
        ? { kind: 'rejected-by-provider' }
        : { kind: 'ignored', reason: `cannot reject a sub-order already ${current}` };
    case 'FAILED':
    case 'CANCELLED':
      return { kind: 'failed-by-provider' };
    default: {
      const rank = PROGRESS_RANK[report]!;
      if (rank <= PROGRESS_RANK[current]!) return { kind: 'ignored', reason: `stale: already ${current}` };
      if (!gateOpen && rank >= PROGRESS_RANK.IN_PROGRESS!) {
        return { kind: 'refused', code: 'gate_closed', reason: 'work may not start before consumables are issued (gate closed)' };
      }
      return { kind: 'advance', status: report };
    }
  }
}
