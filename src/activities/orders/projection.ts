/**
 * Writing an order's projection to the read model — used by the workflow's projection
 * activity and by the reconciler's repairs. Idempotent and monotonic: the order row is
 * updated only by the same or a newer version, sub-orders follow the row, and history rows
 * (keyed by seq), payments and device commands (by their ids) take the newest projection's
 * content. Metrics count only rows this call inserted, so a retried write never counts twice.
 */
import type { PrismaClient } from '../../infra/database';
import type { Metrics } from '../../infra/metrics';
import type { OrderProjection } from '../../workflows/orders/types';

export async function writeProjection(
  prisma: PrismaClient,
  metrics: Metrics,
  projection: OrderProjection,
): Promise<{ applied: boolean }> {
  const { applied, inserted, payments } = await prisma.$transaction(async (tx) => {
    const { count } = await tx.order.updateMany({
      // `lte`: the same version again is a re-run workflow task (or a repair), whose content is the one that counts.
      where: { id: projection.orderId, version: { lte: projection.version } },
      data: {
        status: projection.status,
        version: projection.version,
        totalCents: BigInt(projection.total),
        outcomeReason: projection.outcomeReason ?? null,
        gateRequired: projection.gateRequired,
        gateOpen: projection.gateOpen,
        adjustments: projection.adjustments as object[],
        updatedAt: new Date(),
      },
    });
    if (count === 1) {
      for (const sub of projection.subOrders) {
        const row = {
          provider: sub.provider,
          attempt: sub.attempt,
          status: sub.status,
          delayed: sub.delayed,
          providerOrderId: sub.providerOrderId ?? null,
          totalCents: BigInt(sub.total),
          items: sub.items as object[],
          triedProviders: sub.triedProviders,
          note: sub.note ?? null,
          acceptBy: sub.acceptBy ? new Date(sub.acceptBy) : null,
          updatedAt: new Date(),
        };
        await tx.subOrder.upsert({
          where: { orderId_key: { orderId: projection.orderId, key: sub.key } },
          create: { orderId: projection.orderId, key: sub.key, ...row },
          update: row,
        });
      }
    }
    // History, payments and device commands are keyed rows. The newest projection's content wins
    // (one that also won the order row): a workflow task that wrote them and then never committed —
    // its worker killed right after the local activity — is re-run, and its rows are written again,
    // possibly with other times or balances. An older projection only adds rows still missing.
    const newest = count === 1;
    const orderId = projection.orderId;
    const historyRows = projection.history.map((entry) => ({
      orderId,
      seq: entry.seq,
      at: new Date(entry.at),
      kind: entry.kind,
      actor: entry.actor,
      fromStatus: entry.fromStatus ?? null,
      toStatus: entry.toStatus ?? null,
      reason: entry.reason ?? null,
      details: (entry.details as object | undefined) ?? undefined,
    }));
    const rows = await writeKeyedRows(newest, historyRows, (row: { seq: number }) => String(row.seq), {
      remove: (keys) => tx.orderHistory.deleteMany({ where: { orderId, seq: { in: keys.map(Number) } } }),
      create: (data) => tx.orderHistory.createManyAndReturn({ data, skipDuplicates: true }),
    });
    const paymentRows = projection.transactions.map((t) => ({
      orderId,
      transactionId: t.id,
      kind: t.kind,
      method: t.method,
      amountCents: BigInt(t.amount),
      status: t.status,
      refundOf: t.refundOf ?? null,
      details: (t.details as object | undefined) ?? undefined,
      balanceDueAfterCents: BigInt(t.balanceDueAfter),
      actor: t.actor,
      recordedAt: new Date(t.at),
    }));
    const payments = await writeKeyedRows(newest, paymentRows, (row: { transactionId: string }) => row.transactionId, {
      remove: (keys) => tx.payment.deleteMany({ where: { orderId, transactionId: { in: keys } } }),
      create: (data) => tx.payment.createManyAndReturn({ data, skipDuplicates: true }),
    });
    const commandRows = projection.commands.map((c) => ({
      orderId,
      deviceId: c.deviceId,
      commandId: c.commandId,
      seq: c.seq,
      type: c.type,
      outcome: c.outcome,
      result: c.result as object,
      at: new Date(c.at),
    }));
    const commandKey = (row: { deviceId: string; commandId: string }) => JSON.stringify([row.deviceId, row.commandId]);
    const commandsMatching = (keys: string[]) => ({ orderId, OR: keys.map((key) => JSON.parse(key) as [string, string]).map(([deviceId, commandId]) => ({ deviceId, commandId })) });
    await writeKeyedRows(newest, commandRows, commandKey, {
      remove: (keys) => tx.orderCommand.deleteMany({ where: commandsMatching(keys) }),
      create: (data) => tx.orderCommand.createManyAndReturn({ data, skipDuplicates: true }),
    });
    return { applied: count === 1, inserted: rows, payments };
  });
  for (const row of inserted) recordTransition(metrics, row);
  for (const row of payments) metrics.business.payments.inc({ method: row.method, outcome: row.status.toLowerCase() });
  return { applied };
}

/**
 * Writes rows keyed within the order. The newest projection replaces rows with the same keys
 * (delete, then insert); an older one only inserts missing ones. Returns the rows that did not
 * exist before, so metrics count each row once however often it is written. The usual case —
 * every row new — is one insert; only keys that already existed are looked at again.
 */
async function writeKeyedRows<Keyed, Row extends Keyed, Created extends Keyed>(
  newest: boolean,
  rows: Row[],
  key: (row: Keyed) => string,
  table: { remove(keys: string[]): Promise<unknown>; create(rows: Row[]): Promise<Created[]> },
): Promise<Created[]> {
  if (rows.length === 0) return [];
  const created = await table.create(rows);
  if (!newest || created.length === rows.length) return created;
  const inserted = new Set(created.map(key));
  const existed = rows.filter((row) => !inserted.has(key(row)));
  await table.remove(existed.map(key));
  await table.create(existed);
  return created;
}

function recordTransition(metrics: Metrics, row: { fromStatus: string | null; toStatus: string | null; details: unknown }): void {
  if (!row.toStatus) return;
  const details = (row.details ?? {}) as { statusSeconds?: number; orderSeconds?: number };
  if (row.fromStatus && details.statusSeconds !== undefined) {
    metrics.business.orderStatusSeconds.observe({ status: row.fromStatus }, details.statusSeconds);
  }
  if (details.orderSeconds !== undefined) {
    metrics.business.orderProcessingSeconds.observe({ final_status: row.toStatus }, details.orderSeconds);
  }
}
