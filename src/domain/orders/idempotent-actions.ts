/**
 * Bill edits and closes sent with an `Idempotency-Key`: the order remembers each key with a
 * digest (fingerprint) of the request and the answer it got, so a resend after a lost
 * response gets that answer instead of applying the edit twice, and the same key for
 * another request is a conflict. Carried across continue-as-new; keys of a finished order are
 * answered from the read model's history.
 */
import { MAX_ADJUSTMENTS } from './bill';
export interface IdempotencyRef {
  key: string;
  fingerprint: string;
}

export interface RememberedAction<R> extends IdempotencyRef {
  result: R;
}

/**
 * Never forgets: only applied actions are remembered, each applied edit adds at least one
 * adjusted line (at most MAX_ADJUSTMENTS), and a close ends the order. So a running order
 * always knows every key it took, and the API need not trust the read model while it runs.
 */
export const MAX_REMEMBERED_ACTIONS = MAX_ADJUSTMENTS + 1;

export type RememberedVerdict<R> = { kind: 'new' } | { kind: 'repeat'; result: R } | { kind: 'conflict'; reason: string };

export function findRemembered<R>(log: readonly RememberedAction<R>[], ref: IdempotencyRef): RememberedVerdict<R> {
  const earlier = log.find((entry) => entry.key === ref.key);
  if (!earlier) return { kind: 'new' };
  return earlier.fingerprint === ref.fingerprint
    ? { kind: 'repeat', result: earlier.result }
    : { kind: 'conflict', reason: idempotencyConflict(ref.key) };
}

export function idempotencyConflict(key: string): string {
  return `Idempotency-Key ${key} was already used for a different request`;
}
