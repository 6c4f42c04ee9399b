/**
 * Commands from point-of-sale devices (seed 002): each carries the device's sequence
 * number for the order, so the order applies them exactly once and in the device's
 * order. A command is "taken" (applied, or rejected because the order's state does not
 * allow it) and its result is remembered; a repeat gets that result again. A command
 * ahead of the next expected number is refused without being taken, so the device
 * resends the gap first.
 */
export interface CommandRef {
  deviceId: string;
  commandId: string;
  seq: number;
  /** A digest of the whole command as sent: a repeat that differs is a conflict, not the same command. */
  fingerprint?: string | undefined;
}

export interface CommandLogEntry<R = unknown> extends CommandRef {
  type: string;
  outcome: 'applied' | 'rejected';
  result: R;
  at: string;
}

export type SequenceVerdict<R> =
  | { kind: 'next' }
  | { kind: 'repeat'; entry: CommandLogEntry<R> }
  | { kind: 'refused'; code: 'out_of_order' | 'sequence_conflict' | 'idempotency_conflict'; reason: string; expectedSeq: number };

/** `lastSeq`: the highest sequence number taken from this device for this order (0 before any). */
export function checkSequence<R>(lastSeq: number, log: readonly CommandLogEntry<R>[], command: CommandRef): SequenceVerdict<R> {
  const taken = log.find((entry) => entry.deviceId === command.deviceId && entry.commandId === command.commandId);
  if (taken) {
    if (taken.seq !== command.seq) return conflict(`command ${command.commandId} was taken as number ${taken.seq}, not ${command.seq}`, lastSeq);
    // Entries logged before fingerprints existed match any repeat.
    if (taken.fingerprint && command.fingerprint && taken.fingerprint !== command.fingerprint) {
      return { kind: 'refused', code: 'idempotency_conflict', reason: `command ${command.commandId} was already taken with a different content`, expectedSeq: lastSeq + 1 };
    }
    return { kind: 'repeat', entry: taken };
  }
  if (command.seq === lastSeq + 1) return { kind: 'next' };
  if (command.seq > lastSeq + 1) {
    return { kind: 'refused', code: 'out_of_order', reason: `expected command number ${lastSeq + 1} from this device first`, expectedSeq: lastSeq + 1 };
  }
  return conflict(`command number ${command.seq} was already taken by another command`, lastSeq);
}

function conflict<R>(reason: string, lastSeq: number): SequenceVerdict<R> {
  return { kind: 'refused', code: 'sequence_conflict', reason, expectedSeq: lastSeq + 1 };
}

/** Keeps the workflow's log bounded; older entries are answered from the read model. */
export function trimLog<T>(log: T[], max: number): T[] {
  return log.length > max ? log.slice(-max) : log;
}
