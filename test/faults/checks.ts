/**
 * What the fault suite asserts afterwards, from the database, Temporal and the
 * simulators' logs. Each check returns the offending items (empty = fine), so a failure
 * names every order, number or transaction that went wrong, not just the first.
 */
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../../src/infra/database';
import { stateQuery } from '../../src/workflows/orders/messages';
import { orderProjection } from '../../src/workflows/orders/projection';

/** The order's picture as comparable strings: one from its workflow's `state` query, one from the read model. */
interface Picture {
  status: string;
  version: number;
  total: number;
  subOrders: string[];
  transactions: string[];
  historyEntries: number;
}

const subOrderLine = (s: { key: string; provider: string; status: string; attempt: number; providerOrderId?: string | null | undefined; total: number }) =>
  `${s.key}→${s.provider}#${s.attempt} ${s.status} ${s.providerOrderId ?? '-'} ${s.total}`;
const transactionLine = (t: { id: string; kind: string; method: string; amount: number; status: string }) =>
  `${t.id} ${t.kind} ${t.method} ${t.amount} ${t.status}`;

async function workflowPicture(client: Client, workflowId: string): Promise<Picture> {
  const { status, state, input } = await client.workflow.getHandle(workflowId).query(stateQuery);
  const projection = orderProjection(input, state, status);
  return {
    status: projection.status,
    version: projection.version,
    total: projection.total,
    subOrders: projection.subOrders.map(subOrderLine).sort(),
    // Not deduplicated: a transaction recorded twice in the workflow shows up as two lines.
    transactions: projection.transactions.map(transactionLine).sort(),
    historyEntries: state.nextSeq - 1,
  };
}

async function readModelPicture(prisma: PrismaClient, id: string): Promise<Picture | undefined> {
  const row = await prisma.order.findUnique({ where: { id }, include: { subOrders: true, payments: true, _count: { select: { history: true } } } });
  if (!row) return undefined;
  return {
    status: row.status,
    version: row.version,
    total: Number(row.totalCents ?? 0),
    subOrders: row.subOrders.map((s) => subOrderLine({ ...s, total: Number(s.totalCents) })).sort(),
    transactions: row.payments.map((p) => transactionLine({ id: p.transactionId, kind: p.kind, method: p.method, amount: Number(p.amountCents), status: p.status })).sort(),
    historyEntries: row._count.history,
  };
}

/**
 * Orders whose read model differs from their workflow's own state: status, version,
 * total, every sub-order (provider, attempt, status, provider order id, total), every
 * payment, and the number of history entries.
 */
export async function readModelMismatches(client: Client, prisma: PrismaClient, orders: { id: string; workflowId: string }[]): Promise<string[]> {
  const mismatches: string[] = [];
  // A few at a time: each query of a finished workflow replays its history on a worker.
  for (let i = 0; i < orders.length; i += 8) {
    await Promise.all(
      orders.slice(i, i + 8).map(async (order) => {
        const [expected, actual] = await Promise.all([workflowPicture(client, order.workflowId), readModelPicture(prisma, order.id)]);
        if (JSON.stringify(expected) !== JSON.stringify(actual)) {
          mismatches.push(`order ${order.id}: workflow ${JSON.stringify(expected)} ≠ read model ${JSON.stringify(actual ?? null)}`);
        }
      }),
    );
  }
  return mismatches;
}

/** Numbers with other than exactly one credit row (none = lost, two = impossible by the key, but checked). */
export async function creditsNotExactlyOnce(prisma: PrismaClient, numbers: string[]): Promise<string[]> {
  const rows = await prisma.loyaltyAccrualCredit.groupBy({ by: ['orderNumber'], where: { orderNumber: { in: numbers } }, _count: true });
  const counts = new Map(rows.map((row) => [row.orderNumber, row._count]));
  return numbers.filter((n) => counts.get(n) !== 1).map((n) => `${n}: ${counts.get(n) ?? 0} credits`);
}

/** Users whose running balance is not (sum of their credits − sum of their withdrawals), or whose withdrawn total is not the withdrawals'. */
export async function balancesNotMatchingLedger(prisma: PrismaClient): Promise<unknown[]> {
  return prisma.$queryRaw<unknown[]>`
    SELECT b.user_id, b.current_cents, b.withdrawn_cents, COALESCE(c.credited, 0)::bigint AS credited, COALESCE(w.withdrawn, 0)::bigint AS withdrawn
    FROM loyalty_balances b
    LEFT JOIN (SELECT user_id, SUM(amount_cents) AS credited FROM loyalty_accrual_credits GROUP BY user_id) c USING (user_id)
    LEFT JOIN (SELECT user_id, SUM(sum_cents) AS withdrawn FROM loyalty_withdrawals GROUP BY user_id) w USING (user_id)
    WHERE b.current_cents <> COALESCE(c.credited, 0) - COALESCE(w.withdrawn, 0)
       OR b.withdrawn_cents <> COALESCE(w.withdrawn, 0)`;
}

/** Transaction ids sent by the clients that are not recorded exactly once, with the amount sent. */
export async function paymentsNotExactlyOnce(prisma: PrismaClient, sent: { orderId: string; transactionId: string; amountCents: number }[]): Promise<string[]> {
  const rows = await prisma.payment.findMany({ where: { orderId: { in: [...new Set(sent.map((s) => s.orderId))] } } });
  const problems: string[] = [];
  for (const s of sent) {
    const recorded = rows.filter((r) => r.orderId === s.orderId && r.transactionId === s.transactionId);
    if (recorded.length !== 1 || Number(recorded[0]!.amountCents) !== s.amountCents) {
      problems.push(`${s.transactionId}: ${recorded.length} rows ${recorded.map((r) => r.amountCents).join(',')}`);
    }
  }
  const known = new Set(sent.map((s) => `${s.orderId}/${s.transactionId}`));
  for (const row of rows) if (!known.has(`${row.orderId}/${row.transactionId}`)) problems.push(`${row.transactionId}: recorded but never sent`);
  return problems;
}
