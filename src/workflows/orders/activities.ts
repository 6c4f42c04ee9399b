/**
 * The activities the order workflow calls, with the retry behaviour each needs.
 * Read-model writes and registry look-ups are local activities (cheap: no extra
 * task-queue round trip and fewer history events); provider calls are regular
 * activities, so they survive a worker crash and retry with back-off.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { OrderActivities } from '../../activities/orders/activities';
import type { ProviderActivities } from '../../activities/providers/activities';

export const readModel = proxyLocalActivities<Pick<OrderActivities, 'projectOrder' | 'describeProviders'>>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '30 seconds' },
});

/** How long a provider's quote is retried (5xx, timeouts) before the order fails. */
const QUOTE_BUDGET = '5 minutes';

/** The least time a placement is retried for, whatever the provider's acceptance SLA. */
const MIN_PLACEMENT_BUDGET_MS = 10_000;

/**
 * Provider calls with this provider's timeout: an activity lost with a crashed worker is
 * retried as soon as its HTTP call could no longer be running (its timeout plus a margin).
 */
export function providerCallsFor({ callTimeoutMs, acceptSlaMs }: { callTimeoutMs: number; acceptSlaMs: number }) {
  const startToCloseTimeout = callTimeoutMs + 2_000;
  const backoff = { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '10 seconds' };
  // A provider that cannot quote within the budget fails the order; a brief outage does not. The
  // budget also runs while an attempt waits in our own task queue: two minutes were eaten by a
  // backlog of 300 orders (attempts 10–20 s apart) and failed an order at a 30 % error rate.
  // Meanwhile the order shows as stuck (RECEIVED, 2 min) to operators.
  const quoting = proxyActivities<ProviderActivities>({ startToCloseTimeout, scheduleToCloseTimeout: QUOTE_BUDGET, retry: backoff });
  // A provider has its acceptance SLA to take a sub-order, so 5xx and timeouts are retried that long
  // (same idempotency key) before the sub-order fails over; a fixed few attempts gave up in seconds.
  const placing = proxyActivities<ProviderActivities>({
    startToCloseTimeout,
    scheduleToCloseTimeout: Math.max(acceptSlaMs, MIN_PLACEMENT_BUDGET_MS, startToCloseTimeout),
    retry: backoff,
  });
  // Compensation must eventually happen: retried until the provider answers.
  const compensating = proxyActivities<ProviderActivities>({
    startToCloseTimeout,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
  });
  const polling = proxyActivities<ProviderActivities>({ startToCloseTimeout, retry: { ...backoff, maximumAttempts: 3 } });
  return {
    quote: quoting.quoteWithProvider,
    place: placing.placeWithProvider,
    cancel: compensating.cancelWithProvider,
    cancelPlacement: compensating.cancelPlacementWithProvider,
    poll: polling.pollProvider,
  };
}
