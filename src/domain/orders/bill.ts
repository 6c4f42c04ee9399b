/**
 * The bill of an order: the quoted lines plus the edits made since. An edit is an
 * adjustment of what the customer owes (a drink added at the counter, an item taken
 * off); it is not sent to providers, whose sub-orders stay as placed (their protocol
 * has no amendment). Edits are allowed while the order is open, also after a partial
 * payment; the balance due follows.
 */
import type { Cents } from '../money';

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

export type EditResult = { ok: true; adjustments: Omit<Adjustment, 'actor' | 'at'>[] } | { ok: false; code: string; reason: string };

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

/** Prices the changes against the current lines; refuses the whole edit if any change is impossible. */
export function priceEdit(lines: readonly BillLine[], changes: readonly LineChange[]): EditResult {
  if (changes.length === 0) return { ok: false, code: 'empty_edit', reason: 'no changes' };
  const working = lines.map((line) => ({ ...line }));
  const adjustments: Omit<Adjustment, 'actor' | 'at'>[] = [];
  for (const change of changes) {
    if (!Number.isSafeInteger(change.quantity) || change.quantity === 0) {
      return { ok: false, code: 'invalid_edit', reason: `quantity change of ${change.sku} must be a non-zero whole number` };
    }
    const line = working.find((l) => l.provider === change.provider && l.sku === change.sku);
    const unitPrice = change.unitPrice ?? line?.unitPrice;
    if (unitPrice === undefined) {
      return { ok: false, code: 'price_required', reason: `${change.sku} is not on the bill: give its unit price` };
    }
    if (change.quantity < 0 && (!line || line.quantity + change.quantity < 0)) {
      return { ok: false, code: 'not_on_bill', reason: `cannot remove ${-change.quantity} × ${change.sku}: only ${line?.quantity ?? 0} on the bill` };
    }
    if (line && line.unitPrice === unitPrice) line.quantity += change.quantity;
    else working.push({ provider: change.provider, sku: change.sku, quantity: change.quantity, unitPrice });
    const amount = unitPrice * change.quantity;
    if (!Number.isSafeInteger(amount)) return { ok: false, code: 'invalid_edit', reason: 'amount too large' };
    adjustments.push({ provider: change.provider, sku: change.sku, quantity: change.quantity, unitPrice, amount });
  }
  return { ok: true, adjustments };
}
