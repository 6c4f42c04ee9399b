/**
 * The order's bill as its workflow keeps it: the quoted lines, bill edits (adjustments), and
 * payments and refunds (transactions). The rules are pure (src/domain/orders/bill.ts,
 * src/domain/payments.ts); this applies them to the order's state and records each change in
 * its history. Everything is computed, and formatted, before the state changes, so a request
 * that is refused or fails is never half-applied.
 */
import { formatMoney, type Cents } from '../../domain/money';
import type { OrderAction } from '../../domain/orders/actions';
import { billLines, billTotal, priceEdit, type BillLine } from '../../domain/orders/bill';
import type { IdempotencyRef } from '../../domain/orders/idempotent-actions';
import { balanceDue, compensatingRefunds, findRepeat, ledgerOf, type Transaction, type TransactionRequest } from '../../domain/payments';
import type { OrderStatus } from '../../domain/orders/status';
import { keyed, refusal } from './refusal';
import type { ActionResult, HistoryEntry, OrderState } from './types';

export type BillAction = Extract<OrderAction, { type: 'pay' | 'refund' | 'editItems' }>;

export class Ledger {
  constructor(
    private readonly state: OrderState,
    private readonly record: (entry: Omit<HistoryEntry, 'seq' | 'at'>) => void,
    private readonly status: () => OrderStatus,
  ) {}

  /** The quoted total after every edit. */
  total(): Cents {
    return billTotal(this.state.total, this.state.adjustments);
  }

  /** The bill's lines: what each provider quoted, with the edits applied. */
  lines(): BillLine[] {
    const quoted = this.state.subOrders.flatMap((sub) =>
      sub.items.map((item) => ({ provider: sub.key, sku: item.sku, quantity: item.quantity, unitPrice: item.unitPrice ?? 0 })),
    );
    return billLines(quoted, this.state.adjustments);
  }

  balanceDue(): Cents {
    return balanceDue(this.total(), this.state.transactions);
  }

  /** Applies an edit, payment or refund the workflow has already checked (`checkAction`); `who` is the actor. */
  apply(action: BillAction, who: string, legacyRules: boolean, idempotency?: IdempotencyRef): ActionResult {
    if (action.type === 'editItems') return this.edit(action.changes, who, legacyRules, idempotency);
    const request = action.type === 'pay' ? action.payment : action.refund;
    const repeat = findRepeat(this.state.transactions, request);
    const transaction = repeat.kind === 'repeat' ? repeat.transaction : this.recordTransaction(request, who);
    return { status: this.status(), balanceDue: transaction.balanceDueAfter, transaction };
  }

  /** Compensation: what the customer paid goes back, one refund per payment, ids derived from the payment's. */
  refundEverything(reason: string | undefined, who: string): void {
    for (const refund of compensatingRefunds(this.state.transactions)) this.recordTransaction({ kind: 'refund', ...refund, reason }, who);
  }

  private edit(changes: Extract<BillAction, { type: 'editItems' }>['changes'], who: string, legacyRules: boolean, idempotency?: IdempotencyRef): ActionResult {
    const priced = priceEdit(this.lines(), changes, legacyRules ? undefined : this.billState());
    if (!priced.ok) throw refusal(priced.code, priced.reason, this.status(), priced.details);
    const at = new Date(Date.now()).toISOString();
    const adjustments = priced.adjustments.map((adj) => ({ ...adj, actor: who, at }));
    const total = billTotal(this.state.total, [...this.state.adjustments, ...adjustments]);
    const result = { status: this.status(), balanceDue: balanceDue(total, this.state.transactions) };
    // A keyed edit keeps its answer in the history, for a repeat after the order finished.
    const answer = idempotency ? { answer: { status: result.status, balanceDue: formatMoney(result.balanceDue) } } : {};
    const details = { action: 'editItems', total: formatMoney(total), ...keyed(idempotency), ...answer };
    this.state.adjustments.push(...adjustments);
    this.record({ kind: 'action', actor: who, reason: 'items edited', details });
    return result;
  }

  private recordTransaction(request: TransactionRequest, who: string): Transaction {
    const paid = request.kind === 'refund' ? this.state.transactions.find((tx) => tx.id === request.refundOf) : undefined;
    const transaction: Transaction = {
      id: request.id,
      kind: request.kind,
      method: request.kind === 'payment' ? request.method : paid!.method,
      amount: request.amount,
      status: request.kind === 'payment' ? 'CAPTURED' : 'REFUNDED',
      ...(request.kind === 'refund' ? { refundOf: request.refundOf } : {}),
      ...(request.kind === 'payment' && request.details ? { details: request.details } : {}),
      ...(request.kind === 'refund' && request.reason ? { details: { reason: request.reason } } : {}),
      balanceDueAfter: balanceDue(this.total(), [...this.state.transactions, { kind: request.kind, amount: request.amount }]),
      actor: who,
      at: new Date(Date.now()).toISOString(),
    };
    const entry = {
      kind: 'payment' as const,
      actor: who,
      reason: `${request.kind} of ${formatMoney(request.amount)} by ${transaction.method}`,
      details: { transactionId: request.id, balanceDue: formatMoney(transaction.balanceDueAfter) },
    };
    this.state.transactions.push(transaction);
    this.record(entry);
    return transaction;
  }

  private billState() {
    const { captured, refunded } = ledgerOf(this.state.transactions);
    return { total: this.total(), paid: captured - refunded, adjustments: this.state.adjustments.length };
  }
}
