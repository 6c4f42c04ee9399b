/** All activities, built from their dependencies (no globals: tests pass real or fake ones). */
import type { PrismaClient } from '../infra/database';
import { createOrderActivities } from './orders/activities';

export interface ActivityDeps {
  prisma: PrismaClient;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createOrderActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
