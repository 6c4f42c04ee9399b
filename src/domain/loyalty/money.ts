/**
 * Points are money-like: stored and added as integer cents (hundredths of a point),
 * shown as JSON numbers with at most two decimals. Accruals from the accrual system
 * are rounded half-up to the cent from their decimal spelling (withdrawals must be exact), so 729.975 becomes 729.98 (its binary double is 729.97499..., which
 * naive `Math.round(x * 100)` would round down).
 */

/** Largest cents value we accept: keeps every sum an exact JavaScript integer. */
export const MAX_CENTS = Number.MAX_SAFE_INTEGER;

export class MoneyError extends Error {}

/** Rounds a non-negative amount of points half-up to whole cents. */
export function toCents(amount: number): number {
  if (!Number.isFinite(amount)) throw new MoneyError(`not a finite amount: ${amount}`);
  if (amount < 0) throw new MoneyError(`negative amount: ${amount}`);
  // The shortest decimal spelling that round-trips is what the sender wrote (e.g. "729.975").
  const text = String(amount);
  if (/e/i.test(text)) {
    if (amount < 1) return 0; // below 1e-6: far less than half a cent
    throw new MoneyError(`amount too large: ${amount}`);
  }
  const [whole = '0', fraction = ''] = text.split('.');
  const padded = (fraction + '000').slice(0, 3);
  const cents = Number(whole) * 100 + Number(padded.slice(0, 2)) + (Number(padded[2]) >= 5 ? 1 : 0);
  if (!Number.isSafeInteger(cents) || cents > MAX_CENTS) throw new MoneyError(`amount too large: ${amount}`);
  return cents;
}

/**
 * An amount a client asks for (a withdrawal's `sum`) in cents, exactly: money has at most
 * two decimals, so 0.005 or 1.005 is a mistake to refuse, not an amount to round and charge.
 */
export function toExactCents(amount: number): number {
  const text = String(amount);
  if (/e-/i.test(text) || (text.split('.')[1] ?? '').length > 2) throw new MoneyError(`more than two decimals: ${amount}`);
  return toCents(amount);
}

/** Cents as the JSON number clients see: 72998 → 729.98 (division by 100 yields the nearest double). */
export function fromCents(cents: number | bigint): number {
  return Number(cents) / 100;
}
