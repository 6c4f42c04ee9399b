/** All activities, built from their dependencies (no globals: tests pass real or fake ones). */
import { defaultAccrualRunSettings } from '../config';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { AccrualRunSettings } from '../workflows/loyalty/types';
import { createLoyaltyActivities } from './loyalty/activities';
import { createReconcilerActivities, type ReconcilerDeps } from './ops/reconciler';
import { createOrderActivities, type OrderActivityDeps } from './orders/activities';
import { createProviderActivities, type ProviderActivityDeps } from './providers/activities';

export { createAccrualActivities, type AccrualClientOptions } from './loyalty/accrual-client';

/**
 * Metrics are recorded here, in activities, never in workflow code (src/infra/metrics.ts);
 * the logger is the process's, for outbound-call logs (activity code also has `log`).
 */
export type ActivityDeps = OrderActivityDeps &
  ProviderActivityDeps &
  ReconcilerDeps & {
    metrics: Metrics;
    logger: Logger;
    /** How accrual workflows poll (defaults from the configuration's defaults). */
    accrual?: AccrualRunSettings;
  };

/** The activities of the main task queue (database writes). The accrual request runs on its own queue. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createOrderActivities(deps),
    ...createProviderActivities(deps),
    ...createReconcilerActivities(deps),
    ...createLoyaltyActivities({ prisma: deps.prisma, accrual: deps.accrual ?? defaultAccrualRunSettings() }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
