/** All activities, built from their dependencies (no globals: tests pass real or fake ones). */
import { defaultAccrualRunSettings } from '../config';
import type { PrismaClient } from '../infra/database';
import type { AccrualRunSettings } from '../workflows/loyalty/types';
import { createLoyaltyActivities } from './loyalty/activities';
import { createOrderActivities } from './orders/activities';

export { createAccrualActivities, type AccrualClientOptions } from './loyalty/accrual-client';

export interface ActivityDeps {
  prisma: PrismaClient;
  /** How accrual workflows poll (defaults from the configuration's defaults). */
  accrual?: AccrualRunSettings;
}

/** The activities of the main task queue (database writes). The accrual request runs on its own queue. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createOrderActivities(deps),
    ...createLoyaltyActivities({ prisma: deps.prisma, accrual: deps.accrual ?? defaultAccrualRunSettings() }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
