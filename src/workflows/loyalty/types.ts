/** The accrual workflow's contract with its starters (API, purchase hook) and its activities. */
import type { PollingSettings } from '../../domain/loyalty/polling';
import type { LoyaltyStatus } from '../../domain/loyalty/status';

export interface AccrualWorkflowInput {
  /** The order number, digits as uploaded (a string: leading zeros and length survive). */
  number: string;
  /** Carried over continue-as-new; starters leave it out. */
  resume?: AccrualResumeState;
}

/** How this deployment polls; read once per run from the worker's configuration (a local activity). */
export interface AccrualRunSettings extends PollingSettings {
  /** The dedicated, rate-limited task queue of the `checkAccrual` activity. */
  accrualTaskQueue: string;
  /** Back-off of retried requests (5xx, timeouts, refused connections); 429s use Retry-After instead. */
  retryInitialIntervalMs: number;
  retryMaxIntervalMs: number;
  /** Polls per workflow run before continuing as new, keeping each run's event history short. */
  pollsPerRun: number;
}

export interface AccrualResumeState {
  settings: AccrualRunSettings;
  shownProcessing: boolean;
  consecutiveUnregistered: number;
  unregisteredSinceMs?: number;
}

export interface AccrualWorkflowResult {
  status: LoyaltyStatus;
  accrualCents?: number;
  /** Still unknown to the accrual system after the horizon: left NEW; uploading it again restarts polling. */
  gaveUp?: boolean;
}

/** A final answer to record: read model and, for PROCESSED, the credit (exactly once). */
export type AccrualSettlement =
  | { number: string; status: 'PROCESSED'; accrualCents: number }
  | { number: string; status: 'INVALID' };

/** A purchase completed by the order lifecycle, to be credited if its customer is a loyalty user. */
export interface PurchaseForAccrual {
  /** The customer id of the order; matched against loyalty logins. */
  customerId: string;
  /** A Luhn-valid number the accrual system knows the purchase by. */
  number: string;
}
