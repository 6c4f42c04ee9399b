/**
 * The work queue in PostgreSQL. Each call is one transaction that applies the pure
 * rules of src/domain/ops/queue.ts with the database's clock:
 *
 * - `takeNext` serialises one operator's requests (advisory lock on the operator's name,
 *   so the in-flight cap cannot be raced), returns lapsed leases to the queue, picks the
 *   oldest eligible order with `FOR UPDATE SKIP LOCKED` (concurrent callers skip each
 *   other's candidates instead of waiting), and inserts the assignment with
 *   `ON CONFLICT DO NOTHING` against the partial unique index "one active assignment per
 *   order" — so even a race the row locks miss cannot hand one order to two operators.
 * - renew/release/done lock the assignment row and check `checkHolder` first.
 */
import { randomUUID } from 'node:crypto';
import {
  checkHolder,
  leaseUntil,
  mayTakeAnother,
  queueCutoffs,
  queueReason,
  type AssignmentState,
  type QueuePolicy,
  type QueueReason,
} from '../../domain/ops/queue';
import { Prisma } from '../../generated/prisma/client';
import type { PrismaClient } from '../../infra/database';
import { ApiError, notFound } from '../errors';

type Tx = Prisma.TransactionClient;

export interface AssignmentRow {
  id: string;
  orderId: string;
  operator: string;
  reason: string;
  state: AssignmentState;
  assignedAt: Date;
  renewedAt: Date;
  leaseUntil: Date;
  finishedAt: Date | null;
}

export interface WaitingItem {
  orderId: string;
  number: number;
  status: string;
  customerId: string;
  updatedAt: Date;
  reason: QueueReason;
}

export type TakeResult = { kind: 'assigned'; assignment: AssignmentRow } | { kind: 'capped'; held: number } | { kind: 'empty' };

const TX_OPTIONS = { maxWait: 15_000, timeout: 15_000 };
/** Candidates tried per call when another operator wins the race for them. */
const PICK_ATTEMPTS = 5;

const dbNow = async (tx: Tx) => (await tx.$queryRaw<{ now: Date }[]>`SELECT now() AS now`)[0]!.now;

/** The queue's WHERE clause, built from the pure eligibility rule (per-status cutoffs) at `now`. */
function eligibleSql(now: Date, policy: QueuePolicy): Prisma.Sql {
  const byStatus = queueCutoffs(now, policy).map(({ status, updatedBefore }) => Prisma.sql`(o.status = ${status} AND o.updated_at <= ${updatedBefore})`);
  const handledSince = new Date(now.getTime() - policy.requeueAfterDoneMs);
  return Prisma.sql`(${Prisma.join(byStatus, ' OR ')})
    AND NOT EXISTS (SELECT 1 FROM queue_assignments a WHERE a.order_id = o.id AND a.state = 'active' AND a.lease_until > ${now})
    AND NOT EXISTS (SELECT 1 FROM queue_assignments a WHERE a.order_id = o.id AND a.state = 'done'
                      AND a.finished_at >= o.updated_at AND a.finished_at > ${handledSince})`;
}

async function expireLapsed(tx: Tx, now: Date): Promise<void> {
  await tx.$executeRaw`UPDATE queue_assignments SET state = 'expired', finished_at = lease_until WHERE state = 'active' AND lease_until <= ${now}`;
}

export async function takeNext(prisma: PrismaClient, operator: string, policy: QueuePolicy): Promise<TakeResult> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`queue-operator:${operator}`}, 0))`;
    const now = await dbNow(tx);
    await expireLapsed(tx, now);
    const [{ held }] = (await tx.$queryRaw<{ held: number }[]>`
      SELECT count(*)::int AS held FROM queue_assignments WHERE operator = ${operator} AND state = 'active'`) as [{ held: number }];
    if (!mayTakeAnother(held, policy)) return { kind: 'capped', held };

    for (let attempt = 0; attempt < PICK_ATTEMPTS; attempt++) {
      const [candidate] = await tx.$queryRaw<{ id: string; status: string; updated_at: Date }[]>`
        SELECT o.id, o.status, o.updated_at FROM orders o
        WHERE ${eligibleSql(now, policy)}
        ORDER BY o.updated_at, o.number
        LIMIT 1
        FOR UPDATE OF o SKIP LOCKED`;
      if (!candidate) return { kind: 'empty' };
      const reason = queueReason({ status: candidate.status, updatedAt: candidate.updated_at }, now, policy) ?? 'stuck';
      const [assignment] = await tx.$queryRaw<AssignmentRow[]>`
        INSERT INTO queue_assignments (id, order_id, operator, reason, state, assigned_at, renewed_at, lease_until)
        VALUES (${randomUUID()}::uuid, ${candidate.id}::uuid, ${operator}, ${reason}, 'active', ${now}, ${now}, ${leaseUntil(now, policy)})
        ON CONFLICT (order_id) WHERE state = 'active' DO NOTHING
        RETURNING ${ASSIGNMENT_COLUMNS}`;
      if (assignment) return { kind: 'assigned', assignment };
      // Another operator's transaction took it between our snapshot and our insert: try the next one.
    }
    return { kind: 'empty' };
  }, TX_OPTIONS);
}

const ASSIGNMENT_COLUMNS = Prisma.raw(
  `id, order_id AS "orderId", operator, reason, state, assigned_at AS "assignedAt", renewed_at AS "renewedAt", lease_until AS "leaseUntil", finished_at AS "finishedAt"`,
);

export type HolderAction = 'renew' | 'release' | 'done';

/** Renews, releases or finishes `operator`'s assignment `id`; 403/404/409 when the rules refuse. */
export async function actOnAssignment(prisma: PrismaClient, id: string, operator: string, action: HolderAction, policy: QueuePolicy): Promise<AssignmentRow> {
  return prisma.$transaction(async (tx) => {
    const now = await dbNow(tx);
    const [row] = await tx.$queryRaw<AssignmentRow[]>`SELECT ${ASSIGNMENT_COLUMNS} FROM queue_assignments WHERE id = ${id}::uuid FOR UPDATE`;
    if (!row) throw notFound(`assignment ${id}`);
    const verdict = checkHolder(row, operator, now);
    if (!verdict.ok) throw new ApiError(verdict.status, verdict.code, verdict.reason, { state: row.state, operator: row.operator });
    const [updated] =
      action === 'renew'
        ? await tx.$queryRaw<AssignmentRow[]>`
            UPDATE queue_assignments SET renewed_at = ${now}, lease_until = ${leaseUntil(now, policy)} WHERE id = ${id}::uuid RETURNING ${ASSIGNMENT_COLUMNS}`
        : await tx.$queryRaw<AssignmentRow[]>`
            UPDATE queue_assignments SET state = ${action === 'done' ? 'done' : 'released'}, finished_at = ${now} WHERE id = ${id}::uuid RETURNING ${ASSIGNMENT_COLUMNS}`;
    return updated!;
  }, TX_OPTIONS);
}

/** Activity on an order renews its holder's live lease (an operator acting on it has not gone away). */
export async function renewForOrder(prisma: PrismaClient, orderId: string, operator: string, policy: QueuePolicy): Promise<void> {
  await prisma.$executeRaw`
    UPDATE queue_assignments SET renewed_at = now(), lease_until = now() + ${policy.leaseMs} * interval '1 millisecond'
    WHERE order_id = ${orderId}::uuid AND operator = ${operator} AND state = 'active' AND lease_until > now()`;
}

/** The oldest waiting items (eligible and unassigned), and how many there are. */
export async function waitingItems(prisma: PrismaClient, policy: QueuePolicy, limit: number): Promise<{ total: number; items: WaitingItem[] }> {
  return prisma.$transaction(async (tx) => {
    const now = await dbNow(tx);
    const rows = await tx.$queryRaw<{ id: string; number: bigint; status: string; customer_id: string; updated_at: Date; total: number }[]>`
      SELECT o.id, o.number, o.status, o.customer_id, o.updated_at, count(*) OVER ()::int AS total FROM orders o
      WHERE ${eligibleSql(now, policy)}
      ORDER BY o.updated_at, o.number
      LIMIT ${limit}`;
    return {
      total: rows[0]?.total ?? 0,
      items: rows.map((r) => ({
        orderId: r.id,
        number: Number(r.number),
        status: r.status,
        customerId: r.customer_id,
        updatedAt: r.updated_at,
        reason: queueReason({ status: r.status, updatedAt: r.updated_at }, now, policy) ?? 'stuck',
      })),
    };
  });
}

/** Live assignments (all operators), oldest first. */
export async function liveAssignments(prisma: PrismaClient): Promise<(AssignmentRow & { number: number; status: string })[]> {
  const rows = await prisma.$queryRaw<(AssignmentRow & { number: bigint; status: string })[]>`
    SELECT a.id, a.order_id AS "orderId", a.operator, a.reason, a.state, a.assigned_at AS "assignedAt", a.renewed_at AS "renewedAt",
           a.lease_until AS "leaseUntil", a.finished_at AS "finishedAt", o.number, o.status
    FROM queue_assignments a JOIN orders o ON o.id = a.order_id
    WHERE a.state = 'active' AND a.lease_until > now()
    ORDER BY a.assigned_at`;
  return rows.map((r) => ({ ...r, number: Number(r.number) }));
}

export interface OperatorLoad {
  operator: string;
  active: number;
  done: number;
  released: number;
  expired: number;
  /** Mean time from assignment to done, in seconds; null before the first done item. */
  avgHandleSeconds: number | null;
  lastAssignedAt: Date | null;
}

export async function operatorLoads(prisma: PrismaClient, known: readonly string[]): Promise<OperatorLoad[]> {
  const rows = await prisma.$queryRaw<OperatorLoad[]>`
    SELECT operator,
           count(*) FILTER (WHERE state = 'active' AND lease_until > now())::int AS active,
           count(*) FILTER (WHERE state = 'done')::int AS done,
           count(*) FILTER (WHERE state = 'released')::int AS released,
           count(*) FILTER (WHERE state = 'expired' OR (state = 'active' AND lease_until <= now()))::int AS expired,
           (avg(extract(epoch FROM finished_at - assigned_at)) FILTER (WHERE state = 'done'))::float8 AS "avgHandleSeconds",
           max(assigned_at) AS "lastAssignedAt"
    FROM queue_assignments GROUP BY operator`;
  const byName = new Map(rows.map((r) => [r.operator, r]));
  for (const operator of known) {
    if (!byName.has(operator)) byName.set(operator, { operator, active: 0, done: 0, released: 0, expired: 0, avgHandleSeconds: null, lastAssignedAt: null });
  }
  return [...byName.values()].sort((a, b) => a.operator.localeCompare(b.operator));
}
