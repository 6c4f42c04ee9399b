/**
 * The one activity that talks to the accrual system. It runs on the dedicated accrual
 * task queue (rate-capped by Temporal across all workers) and obeys a gate shared by
 * every worker and every order: the `loyalty_accrual_gate` row of this accrual system.
 *
 * - The row says when requests may resume (`resume_at`), compared with the database's
 *   clock, so workers with skewed clocks agree.
 * - A request is sent only while holding the row's lock, and a 429 moves `resume_at`
 *   before the lock is released. So no request can leave after a 429 and before its
 *   Retry-After, even one that was waiting concurrently on another worker.
 * - A worker killed while its request is in flight releases the lock without recording
 *   the answer, which may have been a 429. So each request is first recorded in
 *   `loyalty_accrual_requests` (committed before it is sent, removed with its outcome);
 *   the next lock holder that finds one left behind assumes the worst and closes the gate
 *   for the last pause a 429 imposed (or the fallback pause).
 * - A closed gate, and a 429, end the attempt with `nextRetryDelay` = the remaining
 *   pause: the engine parks the activity durably instead of a worker sleeping.
 */
import { randomUUID } from 'node:crypto';
import { ApplicationFailure, log } from '@temporalio/activity';
import { ApplicationFailureCategory } from '@temporalio/common';
import type { Pool, PoolClient } from 'pg';
import { z } from 'zod';
import { sameOrderNumber } from '../../domain/loyalty/luhn';
import { toCents } from '../../domain/loyalty/money';
import { withConnection } from '../../infra/database';
import type { HttpClient } from '../../infra/http-client';
import type { Metrics } from '../../infra/metrics';
import { parseRetryAfter } from '../../domain/loyalty/retry-after';
import { ACCRUAL_STATUSES, type AccrualAnswer } from '../../domain/loyalty/status';

export interface AccrualClientOptions {
  /** Base URL, e.g. http://localhost:8081 (normalised by the config). */
  address: string;
  requestTimeoutMs: number;
  /** Longest pause a Retry-After may impose; longer ones are cut to this and logged. */
  retryAfterMaxMs: number;
  /** Pause when a 429 carries no readable Retry-After. */
  retryAfterFallbackMs: number;
}

const answerSchema = z.object({
  order: z.string(),
  status: z.enum(ACCRUAL_STATUSES),
  accrual: z.number().nonnegative().optional(),
});

export const GATE_CLOSED = 'AccrualGateClosed';
export const RATE_LIMITED = 'AccrualRateLimited';
/**
 * A 200 the contract does not allow: not JSON, an unknown status, a negative accrual, an
 * answer about another order. Retried with the engine's back-off like a 5xx, forever: the
 * accrual system is failing, and giving up (or failing the workflow) would lose an order it
 * will answer correctly once fixed; waiting costs one request per ACCRUAL_RETRY_MAX_INTERVAL_MS.
 * Each one is logged and counted (`accrual_polls_total{result="malformed"}`) for someone to fix.
 */
export const MALFORMED_ANSWER = 'AccrualMalformedAnswer';

export interface AccrualActivityDeps {
  pool: Pool;
  options: AccrualClientOptions;
  identity?: string;
  /** Where polls are counted (`accrual_polls_total`, `accrual_rate_limited_total`); not counted when absent. */
  metrics?: Metrics;
  /** How requests are sent: the workers' logged, measured and traced client (src/infra/http-client.ts); plain fetch when absent. */
  http?: HttpClient;
}

export function createAccrualActivities({ pool, options, identity = 'unnamed', metrics, http = fetch }: AccrualActivityDeps) {
  const { address } = options;
  const headers = { 'user-agent': `durable-orders-accrual (${identity})` };
  const orderUrl = (number: string) => `${address}/api/orders/${encodeURIComponent(number)}`;
  const counted = (result: string) => metrics?.business.accrualPolls.inc({ result });

  return {
    async checkAccrual(number: string): Promise<AccrualAnswer> {
      return withGate(pool, options, async (closeGate) => {
        let response: Response;
        let text: string;
        try {
          response = await http(orderUrl(number), { headers, signal: AbortSignal.timeout(options.requestTimeoutMs) });
          text = await response.text();
        } catch (error) {
          counted('error');
          throw error;
        }
        if (response.status === 429) {
          counted('rate_limited');
          metrics?.business.accrualRateLimited.inc();
          const pause = parseRetryAfter(response.headers.get('retry-after'), Date.now(), options.retryAfterFallbackMs, options.retryAfterMaxMs);
          if (pause.capped) log.warn('absurd Retry-After from the accrual system, capped', { retryAfter: response.headers.get('retry-after'), cappedMs: pause.delayMs });
          await closeGate(pause.delayMs);
          throw ApplicationFailure.create({
            type: RATE_LIMITED,
            message: `accrual system rate limit (${text.trim() || '429'}); pausing ${pause.delayMs} ms`,
            nextRetryDelay: pause.delayMs,
            category: ApplicationFailureCategory.BENIGN, // expected: logged at debug, not as a failure
          });
        }
        if (response.status === 204) {
          counted('unregistered');
          return { kind: 'unregistered' };
        }
        if (response.status !== 200) {
          counted('error');
          throw new Error(`accrual system answered ${response.status}: ${text.slice(0, 200)}`);
        }
        const answer = readAnswer(text, number);
        if (typeof answer === 'string') {
          counted('malformed');
          log.warn('malformed answer from the accrual system; retried with back-off', { number, reason: answer, body: text.slice(0, 200) });
          throw ApplicationFailure.create({ type: MALFORMED_ANSWER, message: `malformed accrual answer for ${number}: ${answer}` });
        }
        counted(answer.status.toLowerCase());
        return answer;
      });
    },
  };
}

/** A 200's body as an answer about `number`, or why it is not one. */
function readAnswer(text: string, number: string): Extract<AccrualAnswer, { kind: 'status' }> | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const parsed = answerSchema.safeParse(json);
  if (!parsed.success) return parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
  const answer = parsed.data;
  // An accrual system may drop leading zeros: "18" answers for "0018".
  if (!sameOrderNumber(answer.order, number)) return `answer is about order ${answer.order}`;
  let accrualCents: number | undefined;
  try {
    if (answer.accrual !== undefined) accrualCents = toCents(answer.accrual);
  } catch (error) {
    return `accrual: ${(error as Error).message}`;
  }
  return { kind: 'status', status: answer.status, ...(accrualCents === undefined ? {} : { accrualCents }) };
}

/**
 * Runs `send` while holding this accrual system's gate row, if the gate is open;
 * otherwise fails the attempt with the remaining pause as its retry delay.
 */
async function withGate<T>(
  pool: Pool,
  options: Pick<AccrualClientOptions, 'address' | 'requestTimeoutMs' | 'retryAfterFallbackMs'>,
  send: (closeGate: (pauseMs: number) => Promise<void>) => Promise<T>,
): Promise<T> {
  const { address, requestTimeoutMs } = options;
  return withConnection(pool, async (client) => {
    let finished = false;
    try {
      await client.query('BEGIN');
      // Waiting longer than a few requests' worth means the accrual system is slow: retry later.
      await client.query(`SET LOCAL lock_timeout = ${Math.ceil(requestTimeoutMs * 3)}`);
      const waitMs = await lockGate(client, options);
      if (waitMs > 0) {
        await client.query('COMMIT');
        finished = true;
        throw ApplicationFailure.create({
          type: GATE_CLOSED,
          message: `accrual requests paused for ${waitMs} ms`,
          nextRetryDelay: waitMs,
          category: ApplicationFailureCategory.BENIGN,
        });
      }
      // Committed on another connection before the request leaves: it outlives this worker.
      const requestId = randomUUID();
      await pool.query('INSERT INTO loyalty_accrual_requests (request_id, accrual_address) VALUES ($1, $2)', [requestId, address]);
      try {
        return await send(async (pauseMs) => {
          // +1 ms: resume_at is stored with millisecond precision; never round the pause down.
          await client.query(
            `UPDATE loyalty_accrual_gate SET resume_at = GREATEST(resume_at, clock_timestamp() + ($2::int + 1) * interval '1 millisecond'),
               last_pause_ms = $2::int
             WHERE accrual_address = $1`,
            [address, Math.ceil(pauseMs)],
          );
        });
      } finally {
        // Removed in the transaction that records the outcome: both commit, or neither.
        await client.query('DELETE FROM loyalty_accrual_requests WHERE request_id = $1', [requestId]);
        await client.query('COMMIT');
        finished = true;
      }
    } finally {
      // On any failure commit what we wrote: a closed gate must stick.
      if (!finished) await client.query('COMMIT').catch(() => {});
    }
  });
}

/**
 * Locks the gate row (creating it on first use) and returns the pause still in force, in ms.
 * Requests recorded as in flight while we hold the lock were left by workers that died waiting
 * for their answer: it may have been a 429, so the gate closes for the last pause seen.
 */
async function lockGate(client: PoolClient, options: Pick<AccrualClientOptions, 'address' | 'requestTimeoutMs' | 'retryAfterFallbackMs'>): Promise<number> {
  const { address } = options;
  const select = () =>
    client.query<{ wait_ms: string }>(
      `SELECT GREATEST(0, CEIL(EXTRACT(EPOCH FROM (resume_at - clock_timestamp())) * 1000))::bigint AS wait_ms
       FROM loyalty_accrual_gate WHERE accrual_address = $1 FOR UPDATE`,
      [address],
    );
  let { rows } = await select();
  if (rows.length === 0) {
    await client.query('INSERT INTO loyalty_accrual_gate (accrual_address) VALUES ($1) ON CONFLICT DO NOTHING', [address]);
    ({ rows } = await select());
  }
  const orphans = await client.query<{ sent_at: Date }>('DELETE FROM loyalty_accrual_requests WHERE accrual_address = $1 RETURNING sent_at', [address]);
  if (orphans.rows.length === 0) return Number(rows[0]!.wait_ms);
  // Its answer could have come as late as the request timeout, and a Retry-After counts from then.
  const sentAt = Math.max(...orphans.rows.map((row) => row.sent_at.getTime()));
  await client.query(
    `UPDATE loyalty_accrual_gate
       SET resume_at = GREATEST(resume_at, $2::timestamptz + (CASE WHEN last_pause_ms > 0 THEN last_pause_ms ELSE $3::int END + $4::int) * interval '1 millisecond')
     WHERE accrual_address = $1`,
    [address, new Date(sentAt), options.retryAfterFallbackMs, options.requestTimeoutMs],
  );
  log.warn('a worker died with an accrual request in flight; pausing requests as if it had met a 429', { requests: orphans.rows.length });
  ({ rows } = await select());
  return Number(rows[0]!.wait_ms);
}
