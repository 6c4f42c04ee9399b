/**
 * Money as integer minor units (cents): sums and products never lose a cent.
 * On the wire amounts are decimal strings with at most two decimals ("12.50").
 */
export type Cents = number;

/** A non-negative decimal with at most two decimals and twelve integer digits. */
export const MONEY_PATTERN = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;
const DECIMAL = MONEY_PATTERN;

/**
 * The largest amount anything on a bill may come to — a unit price, a line, a payment, an
 * order's total: 1 000 000 000.00. Far above any real order, and it keeps every sum of
 * a bill's lines and payments an exact (safe) integer, so no rule or answer can overflow.
 */
export const MAX_AMOUNT_CENTS: Cents = 100_000_000_000;

/** Whole cents between 0 and MAX_AMOUNT_CENTS. */
export function isBoundedAmount(cents: Cents): boolean {
  return Number.isSafeInteger(cents) && cents >= 0 && cents <= MAX_AMOUNT_CENTS;
}

export function isMoneyString(text: string): boolean {
  return DECIMAL.test(text);
}

/** "12.5" → 1250. Throws on anything but a non-negative decimal with ≤ 2 decimals. */
export function parseMoney(text: string): Cents {
  const match = DECIMAL.exec(text);
  if (!match) throw new RangeError(`not an amount: ${JSON.stringify(text)}`);
  const fraction = (match[2] ?? '.').slice(1).padEnd(2, '0');
  return Number(match[1]) * 100 + Number(fraction);
}

/** 1250 → "12.50" */
export function formatMoney(cents: Cents): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not a whole number of cents: ${cents}`);
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function lineTotal(unitPrice: Cents, quantity: number): Cents {
  const total = unitPrice * quantity;
  if (!Number.isSafeInteger(total)) throw new RangeError('amount too large');
  return total;
}
