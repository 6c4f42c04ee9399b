/**
 * Sending a Workflow Update from a request handler, with a bound on how long the
 * caller waits. An update that races the workflow's continue-as-new can be left
 * without an outcome on the old run; rather than hold the HTTP request (and graceful
 * shutdown) open, we answer 503 with Retry-After, and the caller repeats it with the
 * same update id — safe, because the workflow applies each id once.
 */
import {
  ApplicationFailure,
  isGrpcDeadlineError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { actUpdate, REFUSAL_TYPE } from '../workflows/orders/messages';
import type { ActionRequest, ActionResult } from '../workflows/orders/types';
import type { ApiContext } from './context';
import { ApiError } from './errors';

export const UPDATE_DEADLINE_MS = 10_000;

export async function withinUpdateDeadline<T>(ctx: ApiContext, send: () => Promise<T>): Promise<T> {
  const call = ctx.temporal.connection.withDeadline(Date.now() + UPDATE_DEADLINE_MS, send);
  // Tracked so a stopping API closes its Temporal connection only once no call is still retrying.
  ctx.temporalCalls?.add(call);
  try {
    return await call;
  } catch (error) {
    // The deadline, or the server cancelling the call (e.g. while the order's worker restarts): no outcome yet.
    if (isGrpcDeadlineError(error) || error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      throw new ApiError(503, 'try_again', 'the order did not answer in time; repeat the request', { retryAfterSeconds: 1 });
    }
    throw error;
  } finally {
    ctx.temporalCalls?.delete(call);
  }
}

/**
 * Refusal codes answered with another status than 409: closing an order that is not fully paid
 * is `423 Locked` (seed 002); `action_failed` is the workflow's guard against a bug (a handler
 * threw), nothing the caller did wrong.
 */
const REFUSAL_HTTP_STATUS: Record<string, number> = { payment_due: 423, forbidden: 403, action_failed: 500 };

/** Maps a refused update (or a finished workflow) to 409 with the current status; rethrows the rest. */
export function refusalToHttp(error: unknown, lastKnownStatus: string): unknown {
  if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === REFUSAL_TYPE) {
    const { code, status, ...extra } = (error.cause.details?.[0] ?? {}) as { code?: string; status?: string };
    return new ApiError(REFUSAL_HTTP_STATUS[code ?? ''] ?? 409, code ?? 'refused', error.cause.message, { ...extra, status });
  }
  if (error instanceof WorkflowNotFoundError || (error as Error)?.message?.includes('already completed')) {
    return new ApiError(409, 'order_closed', `the order is already ${lastKnownStatus}`, { status: lastKnownStatus });
  }
  return error;
}

/**
 * Sends an action to the order's workflow as the `act` update. `updateId` makes a repeat
 * (same id) join or return the first one; refusals become ApiErrors (409/423).
 */
export async function sendAction(
  ctx: ApiContext,
  order: { workflowId: string; status: string },
  request: ActionRequest,
  updateId?: string,
): Promise<ActionResult> {
  try {
    return await withinUpdateDeadline(ctx, () =>
      ctx.temporal.workflow.getHandle(order.workflowId).executeUpdate(actUpdate, { args: [request], ...(updateId ? { updateId } : {}) }),
    );
  } catch (error) {
    throw refusalToHttp(error, order.status);
  }
}
