/** What every route needs, handed to the app once at start-up. */
import type { Client } from '@temporalio/client';
import type { QueuePolicy } from '../domain/ops/queue';
import type { ProviderRegistry } from '../config/providers';
import type { PrismaClient } from '../infra/database';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';

export interface ApiContext {
  prisma: PrismaClient;
  temporal: Client;
  logger: Logger;
  metrics: Metrics;
  taskQueue: string;
  temporalUiUrl: string;
  providers: ProviderRegistry;
  /** Operator bearer token → operator name. */
  operators: ReadonlyMap<string, string>;
  orderPolicy: { deadlineMs: number; confirmationTimeoutMs: number; historyEventLimit?: number | undefined };
  /** The work queue's rules and the stuck thresholds. */
  queuePolicy: QueuePolicy;
}
