/**
 * Loyalty order statuses and how the accrual system's answers map onto them.
 * NEW → PROCESSING → PROCESSED | INVALID; the last two are final.
 */

export const LOYALTY_STATUSES = ['NEW', 'PROCESSING', 'INVALID', 'PROCESSED'] as const;
export type LoyaltyStatus = (typeof LOYALTY_STATUSES)[number];

export const ACCRUAL_STATUSES = ['REGISTERED', 'PROCESSING', 'INVALID', 'PROCESSED'] as const;
export type AccrualStatus = (typeof ACCRUAL_STATUSES)[number];

/** One answer of `GET /api/orders/{number}`, as the activity reports it to the workflow. */
export type AccrualAnswer =
  | { kind: 'unregistered' }
  | { kind: 'status'; status: AccrualStatus; accrualCents?: number };

/** What the workflow does with an answer. */
export type AccrualVerdict =
  | { final: false; status: LoyaltyStatus; unregistered: boolean }
  | { final: true; status: 'PROCESSED'; accrualCents: number }
  | { final: true; status: 'INVALID' };

export function isFinalStatus(status: LoyaltyStatus): boolean {
  return status === 'PROCESSED' || status === 'INVALID';
}

/**
 * 204 keeps the order NEW (never INVALID: the accrual system may register it later);
 * REGISTERED and PROCESSING both mean "accrual in progress" to our users; PROCESSED
 * without an `accrual` field earns zero points.
 */
export function interpretAccrualAnswer(answer: AccrualAnswer): AccrualVerdict {
  if (answer.kind === 'unregistered') return { final: false, status: 'NEW', unregistered: true };
  switch (answer.status) {
    case 'REGISTERED':
    case 'PROCESSING':
      return { final: false, status: 'PROCESSING', unregistered: false };
    case 'INVALID':
      return { final: true, status: 'INVALID' };
    case 'PROCESSED':
      return { final: true, status: 'PROCESSED', accrualCents: answer.accrualCents ?? 0 };
  }
}

/** Status moves only forward, so a late or repeated write can never move an order backwards. */
export function statusRank(status: LoyaltyStatus): number {
  return status === 'NEW' ? 0 : status === 'PROCESSING' ? 1 : 2;
}
