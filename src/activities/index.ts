/** All activities, built from their dependencies (no globals: tests pass real or fake ones). */
import type { PrismaClient } from '../infra/database';
import type { BusinessMetrics } from '../infra/metrics';
import { createOrderActivities } from './orders/activities';

export interface ActivityDeps {
  prisma: PrismaClient;
  /** Business metrics are recorded here, in activities, never in workflow code (src/infra/metrics.ts). */
  metrics: BusinessMetrics;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createOrderActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
