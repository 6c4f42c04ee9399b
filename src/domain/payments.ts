/**
 * Payments and refunds of an order, and what they allow. Pure rules shared by the
 * order workflow (validators and handlers) and the API.
 *
 *   balance due = total after edits − captured + refunded      (integer cents)
 *
 * A payment is captured when the device reports it: the cash drawer or the card
 * terminal already took the money, so there is no authorisation step here. A refund
 * returns (part of) one captured payment, by the same method.
 */
import { formatMoney, isBoundedAmount, MAX_AMOUNT_CENTS, type Cents } from './money';

export const PAYMENT_METHODS = ['cash', 'card', 'gift_card', 'voucher', 'receipt'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export type TransactionKind = 'payment' | 'refund';
export type TransactionStatus = 'CAPTURED' | 'REFUNDED';

/** What a caller asks for; `id` is the client's transaction id (the idempotency key). */
export type TransactionRequest =
  | { kind: 'payment'; id: string; method: PaymentMethod; amount: Cents; details?: Record<string, unknown> | undefined }
  | { kind: 'refund'; id: string; refundOf: string; amount: Cents; reason?: string | undefined };

/** A transaction as the order records it, with the balance it left (the answer to every repeat). */
export interface Transaction {
  id: string;
  kind: TransactionKind;
  method: PaymentMethod;
  amount: Cents;
  status: TransactionStatus;
  /** For a refund: the payment it returns. */
  refundOf?: string | undefined;
  details?: Record<string, unknown> | undefined;
  balanceDueAfter: Cents;
  actor: string;
  at: string;
}

export interface Ledger {
  captured: Cents;
  refunded: Cents;
}

type Amounted = Pick<Transaction, 'kind' | 'amount'>;

export function ledgerOf(transactions: readonly Amounted[]): Ledger {
  let captured = 0;
  let refunded = 0;
  for (const tx of transactions) {
    if (tx.kind === 'payment') captured += tx.amount;
    else refunded += tx.amount;
  }
  return { captured, refunded };
}

export function balanceDue(total: Cents, transactions: readonly Amounted[]): Cents {
  const { captured, refunded } = ledgerOf(transactions);
  return total - captured + refunded;
}

/** What is left to refund of one payment. */
export function refundableOf(transactions: readonly Transaction[], paymentId: string): Cents {
  const payment = transactions.find((tx) => tx.id === paymentId && tx.kind === 'payment');
  if (!payment) return 0;
  const returned = transactions.filter((tx) => tx.kind === 'refund' && tx.refundOf === paymentId).reduce((sum, tx) => sum + tx.amount, 0);
  return payment.amount - returned;
}

export type PaymentVerdict = { ok: true } | { ok: false; code: string; reason: string; details?: Record<string, unknown> };
const OK: PaymentVerdict = { ok: true };

/**
 * Payments and refunds one order keeps: its ledger is carried across continue-as-new, so it
 * is bounded (a pay/refund cycle could otherwise grow it without end). A till's sale needs a handful.
 */
export const MAX_TRANSACTIONS = 200;
/** A payment's method-specific details are stored as given: at most this many keys and this much JSON. */
export const MAX_DETAIL_KEYS = 20;
export const MAX_DETAILS_CHARS = 512;

/** Why these details cannot be stored, or undefined when they can. */
export function detailsProblem(details: Record<string, unknown> | undefined): string | undefined {
  if (details === undefined) return undefined;
  if (Object.keys(details).length > MAX_DETAIL_KEYS) return `at most ${MAX_DETAIL_KEYS} details`;
  if (JSON.stringify(details).length > MAX_DETAILS_CHARS) return `details of at most ${MAX_DETAILS_CHARS} characters as JSON`;
  return undefined;
}

/** The bounds every new transaction must keep (amount, details, the ledger's size), before the ledger rules. */
export function checkLedgerBounds(transactions: readonly Transaction[], request: TransactionRequest): PaymentVerdict {
  if (!isBoundedAmount(request.amount) || request.amount === 0) {
    return { ok: false, code: 'invalid_amount', reason: `the amount must be positive whole cents up to ${formatMoney(MAX_AMOUNT_CENTS)}` };
  }
  const problem = request.kind === 'payment' ? detailsProblem(request.details) : undefined;
  if (problem) return { ok: false, code: 'invalid_details', reason: problem };
  if (transactions.length >= MAX_TRANSACTIONS) {
    return { ok: false, code: 'too_many_transactions', reason: `an order takes at most ${MAX_TRANSACTIONS} payments and refunds` };
  }
  return OK;
}

/** A repeat of an applied transaction (same id): the original answer, or a conflict when it asks for something else. */
export function findRepeat(
  transactions: readonly Transaction[],
  request: TransactionRequest,
): { kind: 'new' } | { kind: 'repeat'; transaction: Transaction } | { kind: 'conflict'; reason: string } {
  const existing = transactions.find((tx) => tx.id === request.id);
  if (!existing) return { kind: 'new' };
  const same =
    existing.kind === request.kind &&
    existing.amount === request.amount &&
    (request.kind === 'payment' ? existing.method === request.method : existing.refundOf === request.refundOf);
  return same
    ? { kind: 'repeat', transaction: existing }
    : { kind: 'conflict', reason: `transaction ${request.id} was already used for a different ${existing.kind}` };
}

/** Whether a new transaction may be recorded against an order with this total and ledger. */
export function checkTransaction(total: Cents, transactions: readonly Transaction[], request: TransactionRequest): PaymentVerdict {
  if (!Number.isSafeInteger(request.amount) || request.amount <= 0) {
    return { ok: false, code: 'invalid_amount', reason: 'the amount must be positive' };
  }
  const due = balanceDue(total, transactions);
  if (request.kind === 'payment') {
    return request.amount <= due
      ? OK
      : { ok: false, code: 'overpayment', reason: `the amount exceeds the balance due (${formatMoney(due)})`, details: { balanceDue: formatMoney(due) } };
  }
  const payment = transactions.find((tx) => tx.id === request.refundOf && tx.kind === 'payment');
  if (!payment) return { ok: false, code: 'unknown_payment', reason: `no payment ${request.refundOf} on this order` };
  const left = refundableOf(transactions, request.refundOf);
  return request.amount <= left
    ? OK
    : { ok: false, code: 'refund_exceeds_payment', reason: `only ${formatMoney(left)} of payment ${request.refundOf} can be refunded`, details: { refundable: formatMoney(left) } };
}

/** An order is closed ("sold") only when nothing is due and nothing is owed back. */
export function checkClose(total: Cents, transactions: readonly Transaction[]): PaymentVerdict {
  const due = balanceDue(total, transactions);
  if (due > 0) return { ok: false, code: 'payment_due', reason: `the order is not fully paid: ${formatMoney(due)} due`, details: { balanceDue: formatMoney(due) } };
  if (due < 0) return { ok: false, code: 'overpaid', reason: `${formatMoney(-due)} must be refunded before closing`, details: { balanceDue: formatMoney(due) } };
  return OK;
}

/** The refunds that return everything still captured, one per payment, with ids derived from the payments (idempotent). */
export function compensatingRefunds(transactions: readonly Transaction[]): { id: string; refundOf: string; amount: Cents }[] {
  return transactions
    .filter((tx) => tx.kind === 'payment')
    .map((tx) => ({ id: `compensation:${tx.id}`, refundOf: tx.id, amount: refundableOf(transactions, tx.id) }))
    .filter((refund) => refund.amount > 0 && !transactions.some((tx) => tx.id === refund.id));
}
