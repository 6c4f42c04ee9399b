/**
 * Order numbers of the loyalty programme: strings of digits (leading zeros and any
 * length survive, so never parse them as numbers), valid when they pass the Luhn check.
 */

/** The longest order number we store; far beyond any real card-style number. */
export const MAX_ORDER_NUMBER_LENGTH = 64;

export function isDigits(text: string): boolean {
  return text.length > 0 && text.length <= MAX_ORDER_NUMBER_LENGTH && /^[0-9]+$/.test(text);
}

/** Luhn (mod 10) checksum over a string of digits; false for anything that is not digits. */
export function isLuhnValid(number: string): boolean {
  if (!isDigits(number)) return false;
  return luhnSum(number, false) % 10 === 0;
}

/** An order number we accept: Luhn-valid digits that are not all zeros ("0" passes Luhn but numbers nothing). */
export function isOrderNumber(number: string): boolean {
  return isLuhnValid(number) && /[1-9]/.test(number);
}

/**
 * Whether two spellings name the same order: equal once leading zeros are dropped (an
 * accrual system may answer for "18" when asked about "0018").
 */
export function sameOrderNumber(a: string, b: string): boolean {
  const strip = (n: string) => n.replace(/^0+(?=\d)/, '');
  return strip(a) === strip(b);
}

/** The digit that, appended to `payload`, makes it Luhn-valid (used to derive numbers from order ids). */
export function luhnCheckDigit(payload: string): string {
  if (!isDigits(payload)) throw new Error(`not a string of digits: "${payload}"`);
  return String((10 - (luhnSum(payload, true) % 10)) % 10);
}

export function withLuhnCheckDigit(payload: string): string {
  return payload + luhnCheckDigit(payload);
}

/** Sum of the digits from the right, doubling every second one (the first if `checkDigitPending`). */
function luhnSum(digits: string, checkDigitPending: boolean): number {
  let sum = 0;
  for (let i = digits.length - 1, double = checkDigitPending; i >= 0; i--, double = !double) {
    let digit = digits.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum;
}
