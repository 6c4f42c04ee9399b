/** What every route needs, handed to the app once at start-up. */
import type { Client } from '@temporalio/client';
import type { PrismaClient } from '../infra/database';
import type { Logger } from '../infra/logger';
import type { TokenOptions } from './loyalty/auth';

export interface ApiContext {
  prisma: PrismaClient;
  temporal: Client;
  logger: Logger;
  taskQueue: string;
  temporalUiUrl: string;
  /** Loyalty token settings; defaults (key kept in the database, 24 h tokens) when absent. */
  loyalty?: TokenOptions;
}
