/** Payments and device commands on the wire: the same shape whether answered by the workflow or the read model. */
import { formatMoney } from '../../domain/money';
import { balanceDue, ledgerOf, type PaymentMethod, type Transaction } from '../../domain/payments';
import type { Prisma } from '../../generated/prisma/client';
import type { ActionResult } from '../../workflows/orders/types';

type PaymentRow = Prisma.PaymentGetPayload<object>;
type CommandRow = Prisma.OrderCommandGetPayload<object>;

export function transactionOf(row: PaymentRow): Transaction {
  return {
    id: row.transactionId,
    kind: row.kind as Transaction['kind'],
    method: row.method as PaymentMethod,
    amount: Number(row.amountCents),
    status: row.status as Transaction['status'],
    ...(row.refundOf ? { refundOf: row.refundOf } : {}),
    ...(row.details ? { details: row.details as Record<string, unknown> } : {}),
    balanceDueAfter: Number(row.balanceDueAfterCents),
    actor: row.actor,
    at: row.recordedAt.toISOString(),
  };
}

/** One payment or refund, with the balance it left: what every repeat of it is answered. */
export function transactionView(orderId: string, tx: Transaction) {
  return {
    orderId,
    transactionId: tx.id,
    kind: tx.kind,
    method: tx.method,
    amount: formatMoney(tx.amount),
    status: tx.status,
    refundOf: tx.refundOf ?? null,
    details: tx.details ?? null,
    balanceDue: formatMoney(tx.balanceDueAfter),
    actor: tx.actor,
    recordedAt: new Date(tx.at).toISOString(),
  };
}

/** Total after edits, what was paid and refunded, and what is due, from the read model. */
export function billingView(totalCents: bigint | null, rows: PaymentRow[]) {
  const transactions = rows.map(transactionOf);
  const total = Number(totalCents ?? 0n);
  const { captured, refunded } = ledgerOf(transactions);
  return {
    total: formatMoney(total),
    paid: formatMoney(captured),
    refunded: formatMoney(refunded),
    balanceDue: formatMoney(balanceDue(total, transactions)),
  };
}

export function paymentsView(orderId: string, rows: PaymentRow[]) {
  return [...rows].sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime()).map((row) => transactionView(orderId, transactionOf(row)));
}

/** What the workflow answered a device command (or an action), money as decimal strings. */
export function actionResultView(orderId: string, result: ActionResult) {
  return {
    outcome: result.outcome ?? 'applied',
    status: result.status,
    ...(result.balanceDue === undefined ? {} : { balanceDue: formatMoney(result.balanceDue) }),
    ...(result.transaction ? { transaction: transactionView(orderId, result.transaction) } : {}),
    ...(result.code ? { code: result.code, message: result.reason, details: result.details ?? null } : {}),
  };
}

export function commandView(row: CommandRow) {
  return {
    deviceId: row.deviceId,
    commandId: row.commandId,
    seq: row.seq,
    type: row.type,
    outcome: row.outcome,
    result: actionResultView(row.orderId, row.result as unknown as ActionResult),
    at: row.at.toISOString(),
  };
}
