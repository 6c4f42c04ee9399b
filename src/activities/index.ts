/** All activities, built from their dependencies (no globals: tests pass real or fake ones). */
import { createOrderActivities, type OrderActivityDeps } from './orders/activities';
import { createProviderActivities, type ProviderActivityDeps } from './providers/activities';

export type ActivityDeps = OrderActivityDeps & ProviderActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createOrderActivities(deps),
    ...createProviderActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
