/**
 * The bill of an order: the quoted lines plus the edits made since. An edit is an
 * adjustment of what the customer owes (a drink added at the counter, an item taken
 * off); it is not sent to providers, whose sub-orders stay as placed (their protocol
 * has no amendment). Edits are allowed while the order is open, also after a partial
 * payment; the balance due follows.
 *
 * A line is one (provider, sku, unit price): the same sku at another price is another
 * line, and a removal takes from the line at its price, never below zero. Every unit
 * price, line and total stays within MAX_AMOUNT_CENTS, and an edit never brings the
 * total below what has been paid (that money would have to be refunded first).
 */
import { formatMoney, isBoundedAmount, MAX_AMOUNT_CENTS, type Cents } from '../money';

export interface BillLine {
  provider: string;
  sku: string;
  quantity: number;
  unitPrice: Cents;
}

/** One requested change: a quantity delta (negative removes), and a price for a new line. */
export interface LineChange {
  provider: string;
  sku: string;
  quantity: number;
  unitPrice?: Cents | undefined;
}

/** An applied change, priced: `amount` = quantity × unit price (negative for removals). */
export interface Adjustment extends BillLine {
  amount: Cents;
  actor: string;
  at: string;
}

/** The most one change may add or remove (the API's limit too). */
export const MAX_QUANTITY_CHANGE = 10_000;
/** Adjusted lines an order keeps (carried across continue-as-new); an edit beyond this is refused. */
export const MAX_ADJUSTMENTS = 500;

/** What an edit is checked against besides the lines: the current total, what is paid (captured − refunded), the edits so far. */
export interface BillState {
  total: Cents;
  paid: Cents;
  adjustments: number;
}

type PricedChange = Omit<Adjustment, 'actor' | 'at'>;
export type EditResult =
  | { ok: true; adjustments: PricedChange[] }
  | { ok: false; code: string; reason: string; details?: Record<string, unknown> | undefined };

const refuse = (code: string, reason: string, details?: Record<string, unknown>): EditResult => ({ ok: false, code, reason, ...(details ? { details } : {}) });

/** The bill's lines: quoted lines with the adjustments folded in (lines at zero disappear). */
export function billLines(quoted: readonly BillLine[], adjustments: readonly BillLine[]): BillLine[] {
  const lines: BillLine[] = quoted.map((line) => ({ ...line }));
  for (const adj of adjustments) {
    const line = lines.find((l) => l.provider === adj.provider && l.sku === adj.sku && l.unitPrice === adj.unitPrice);
    if (line) line.quantity += adj.quantity;
    else lines.push({ provider: adj.provider, sku: adj.sku, quantity: adj.quantity, unitPrice: adj.unitPrice });
  }
  return lines.filter((line) => line.quantity !== 0);
}

export function billTotal(quotedTotal: Cents, adjustments: readonly { amount: Cents }[]): Cents {
  return adjustments.reduce((sum, adj) => sum + adj.amount, quotedTotal);
}

/**
 * Prices the changes against the current lines and the bill; refuses the whole edit if any
 * change, or the total it leaves, is impossible. Without `bill`: the rules orders were
 * recorded with before bounds and price matching (kept only to replay those histories).
 */
export function priceEdit(lines: readonly BillLine[], changes: readonly LineChange[], bill?: BillState): EditResult {
  if (!bill) return priceEditUnbounded(lines, changes);
  if (changes.length === 0) return refuse('empty_edit', 'no changes');
  if (bill.adjustments + changes.length > MAX_ADJUSTMENTS) {
    return refuse('too_many_edits', `an order keeps at most ${MAX_ADJUSTMENTS} adjusted lines; start a new order`);
  }
  const working = lines.map((line) => ({ ...line }));
  const adjustments: PricedChange[] = [];
  let total = bill.total;
  for (const change of changes) {
    const { provider, sku, quantity } = change;
    if (!Number.isSafeInteger(quantity) || quantity === 0 || Math.abs(quantity) > MAX_QUANTITY_CHANGE) {
      return refuse('invalid_edit', `quantity change of ${sku} must be a non-zero whole number up to ${MAX_QUANTITY_CHANGE}`);
    }
    if (change.unitPrice !== undefined && !isBoundedAmount(change.unitPrice)) {
      return refuse('invalid_edit', `the unit price of ${sku} must be whole cents from 0 to ${formatMoney(MAX_AMOUNT_CENTS)}`);
    }
    const onBill = working.filter((l) => l.provider === provider && l.sku === sku && l.quantity !== 0);
    const prices = [...new Set(onBill.map((l) => l.unitPrice))];
    const unitPrice = change.unitPrice ?? (prices.length === 1 ? prices[0] : undefined);
    if (unitPrice === undefined && quantity < 0 && onBill.length === 0) return refuse('not_on_bill', `cannot remove ${-quantity} × ${sku}: it is not on the bill`);
    if (unitPrice === undefined) {
      return refuse('price_required', onBill.length ? `${sku} is on the bill at several prices: give the unit price` : `${sku} is not on the bill: give its unit price`);
    }
    let line = onBill.find((l) => l.unitPrice === unitPrice);
    if (quantity < 0) {
      if (!line && onBill.length) {
        return refuse('price_mismatch', `${sku} is on the bill at ${prices.map(formatMoney).join(', ')}, not at ${formatMoney(unitPrice)}`);
      }
      if (!line || line.quantity + quantity < 0) {
        return refuse('not_on_bill', `cannot remove ${-quantity} × ${sku}: only ${line?.quantity ?? 0} on the bill`);
      }
    }
    if (!line) working.push((line = { provider, sku, quantity: 0, unitPrice }));
    line.quantity += quantity;
    const amount = unitPrice * quantity;
    total += amount;
    // A removal only shrinks a line: the bound is checked on what grows.
    if ((quantity > 0 && !isBoundedAmount(line.quantity * unitPrice)) || !Number.isSafeInteger(total)) return tooLarge(`the line ${sku}`);
    adjustments.push({ provider, sku, quantity, unitPrice, amount });
  }
  if (total > MAX_AMOUNT_CENTS && total > bill.total) return tooLarge('the bill');
  if (total < bill.paid) {
    return refuse('below_paid', `the bill would come to ${formatMoney(total)}, less than the ${formatMoney(bill.paid)} paid: refund first`, {
      total: formatMoney(total),
      paid: formatMoney(bill.paid),
    });
  }
  return { ok: true, adjustments };
}

function tooLarge(what: string): EditResult {
  return refuse('amount_too_large', `${what} would come to more than ${formatMoney(MAX_AMOUNT_CENTS)}`, { max: formatMoney(MAX_AMOUNT_CENTS) });
}

/** The rules before bounds and price matching, unchanged, for the replay of orders recorded with them. */
function priceEditUnbounded(lines: readonly BillLine[], changes: readonly LineChange[]): EditResult {
  if (changes.length === 0) return refuse('empty_edit', 'no changes');
  const working = lines.map((line) => ({ ...line }));
  const adjustments: PricedChange[] = [];
  for (const change of changes) {
    if (!Number.isSafeInteger(change.quantity) || change.quantity === 0) {
      return refuse('invalid_edit', `quantity change of ${change.sku} must be a non-zero whole number`);
    }
    const line = working.find((l) => l.provider === change.provider && l.sku === change.sku);
    const unitPrice = change.unitPrice ?? line?.unitPrice;
    if (unitPrice === undefined) return refuse('price_required', `${change.sku} is not on the bill: give its unit price`);
    if (change.quantity < 0 && (!line || line.quantity + change.quantity < 0)) {
      return refuse('not_on_bill', `cannot remove ${-change.quantity} × ${change.sku}: only ${line?.quantity ?? 0} on the bill`);
    }
    if (line && line.unitPrice === unitPrice) line.quantity += change.quantity;
    else working.push({ provider: change.provider, sku: change.sku, quantity: change.quantity, unitPrice });
    const amount = unitPrice * change.quantity;
    if (!Number.isSafeInteger(amount)) return refuse('invalid_edit', 'amount too large');
    adjustments.push({ provider: change.provider, sku: change.sku, quantity: change.quantity, unitPrice, amount });
  }
  return { ok: true, adjustments };
}
