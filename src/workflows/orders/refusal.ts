/** How the order workflow says no to a message: one failure type the API maps to HTTP (src/api/workflow-updates.ts). */
import { ApplicationFailure } from '@temporalio/workflow';
import type { IdempotencyRef } from '../../domain/orders/idempotent-actions';
import type { OrderStatus } from '../../domain/orders/status';
import { REFUSAL_TYPE } from './messages';

/** Thrown by update validators and handlers; the API turns it into 409 (423 for `payment_due`) with the code and the current status. */
export function refusal(code: string, reason: string, status: OrderStatus, extra?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.create({ type: REFUSAL_TYPE, message: reason, details: [{ ...extra, code, status }], nonRetryable: true });
}

/** History details naming the Idempotency-Key an action was sent with (the API answers repeats of a finished order from them). */
export function keyed(idempotency: IdempotencyRef | undefined): Record<string, string> {
  return idempotency ? { idempotencyKey: idempotency.key, fingerprint: idempotency.fingerprint } : {};
}
