/**
 * Bill edits and closes sent with an `Idempotency-Key`: the order remembers each key with a
 * digest (fingerprint) of the request and the answer it got, so a resend after a lost
 * response gets that answer instead of applying the edit twice, and the same key for
 * another request is a conflict. Carried across continue-as-new, bounded like the command log;
 * older keys, and keys of a finished order, are answered from the read model's history.
 */
export interface IdempotencyRef {
  key: string;
  fingerprint: string;
}

export interface RememberedAction<R> extends IdempotencyRef {
  result: R;
}

export const MAX_REMEMBERED_ACTIONS = 200;

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
