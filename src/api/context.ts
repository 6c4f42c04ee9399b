/** What every route needs, handed to the app once at start-up. */
import type { Client } from '@temporalio/client';
import type { QueuePolicy } from '../domain/ops/queue';
import type { ProviderRegistry } from '../config/providers';
import type { PrismaClient } from '../infra/database';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import type { TokenOptions } from './loyalty/auth';
import type { ApiLimits } from './limits';

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
  /** Point-of-sale device bearer token → device id (DEVICE_TOKENS); none when absent. */
  devices?: ReadonlyMap<string, string>;
  orderPolicy: { deadlineMs: number; confirmationTimeoutMs: number; historyEventLimit?: number | undefined };
  /** The work queue's rules and when an order counts as stuck (STUCK_AFTER_SECONDS). */
  queuePolicy: QueuePolicy;
  /** Temporal calls under way (bounded by a deadline); a stopping API waits for them. */
  temporalCalls?: Set<Promise<unknown>>;
  /** Intake rows younger than this are not judged by an on-demand reconcile (default 60 s). */
  reconcileGraceSeconds?: number;
  /** Loyalty token settings; defaults (key kept in the database, 24 h tokens) when absent. */
  loyalty?: TokenOptions;
  /** Body size and rate limits (API_BODY_LIMIT_BYTES, RATE_LIMIT_*); DEFAULT_LIMITS when omitted. */
  limits?: ApiLimits;
  /** express's `trust proxy` (API_TRUST_PROXY): which hops may name the client IP in X-Forwarded-For. */
  trustProxy?: boolean | number | string;
}
