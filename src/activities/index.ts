/** All activities, built from their dependencies (no globals: tests pass real or fake ones). */
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import { createReconcilerActivities, type ReconcilerDeps } from './ops/reconciler';
import { createOrderActivities, type OrderActivityDeps } from './orders/activities';
import { createProviderActivities, type ProviderActivityDeps } from './providers/activities';

/**
 * Metrics are recorded here, in activities, never in workflow code (src/infra/metrics.ts);
 * the logger is the process's, for outbound-call logs (activity code also has `log`).
 */
export type ActivityDeps = OrderActivityDeps & ProviderActivityDeps & ReconcilerDeps & { metrics: Metrics; logger: Logger };

export function createActivities(deps: ActivityDeps) {
  return {
    ...createOrderActivities(deps),
    ...createProviderActivities(deps),
    ...createReconcilerActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
