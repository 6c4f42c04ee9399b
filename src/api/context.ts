/** What every route needs, handed to the app once at start-up. */
import type { Client } from '@temporalio/client';
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
}
