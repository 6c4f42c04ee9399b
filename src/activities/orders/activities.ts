/** Read-model writes for the order workflow, and the provider policies it needs. */
import type { ProviderRegistry } from '../../config/providers';
import type { PrismaClient } from '../../infra/database';
import type { Metrics } from '../../infra/metrics';
import { writeProjection } from './projection';
import type { OrderProjection, ProviderPolicy } from '../../workflows/orders/types';

export interface OrderActivityDeps {
  prisma: PrismaClient;
  providers: ProviderRegistry;
  metrics: Metrics;
}

export function createOrderActivities({ prisma, providers, metrics }: OrderActivityDeps) {
  return {
    async projectOrder(projection: OrderProjection): Promise<{ applied: boolean }> {
      return writeProjection(prisma, metrics, projection);
    },

    async describeProviders(names: string[]): Promise<Record<string, ProviderPolicy>> {
      const policies: Record<string, ProviderPolicy> = {};
      for (const name of names) {
        const config = providers.get(name);
        // Unknown providers are refused by the API; one removed from the registry since
        // then gets a policy that fails fast (no alternates, immediate SLA).
        policies[name] = config
          ? {
              name,
              tracking: config.tracking,
              pollIntervalMs: config.pollIntervalSeconds * 1000,
              acceptSlaMs: config.acceptSlaSeconds * 1000,
              alternates: config.alternates,
              callTimeoutMs: config.timeoutMs,
            }
          : { name, tracking: 'poll', pollIntervalMs: 60_000, acceptSlaMs: 0, alternates: [], callTimeoutMs: 5_000 };
      }
      return policies;
    },
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;

