/** An API process's body: Temporal client, database, express app, listening socket. */
import { createApp } from '../api/app';
import { limitsFromConfig } from '../api/limits';
import { loyaltyTokenOptions, orderPolicySchema, queuePolicyFrom, type ApiConfig, type DevConfig } from '../config';
import { DEFAULT_QUEUE_POLICY } from '../domain/ops/queue';
import type { ApiContext } from '../api/context';
import type { TokenOptions } from '../api/loyalty/auth';
import { listen } from '../api/server';
import { createPrisma } from '../infra/database';
import type { Logger } from '../infra/logger';
import { createMetrics, type Metrics } from '../infra/metrics';
import { connectClient, ensureSearchAttributes } from '../infra/temporal';
import type { Tracing } from '../infra/tracing';

export interface ApiProcessOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  temporalUiUrl: string;
  databaseUrl: string;
  /** One address, or several (all on `port`): see listen() in src/api/server.ts. */
  host: string | readonly string[];
  port: number;
  logger: Logger;
  /** Defaults: no providers, no operators or devices, the configuration's default order policy and work-queue rules. */
  providers?: ApiContext['providers'];
  operators?: ApiContext['operators'];
  devices?: ApiContext['devices'];
  orderPolicy?: ApiContext['orderPolicy'];
  /** The work queue's rules, including when an order counts as stuck. */
  queuePolicy?: ApiContext['queuePolicy'];
  reconcileGraceSeconds?: number;
  limits?: ApiContext['limits'];
  trustProxy?: ApiContext['trustProxy'];
  /** This process's registry, served at /metrics; a fresh one when omitted. */
  metrics?: Metrics;
  /** Tracing on: the Temporal client passes the request's trace to the workflows it starts. */
  tracing?: Tracing;
  /** Loyalty token settings (LOYALTY_TOKEN_SECRET, LOYALTY_TOKEN_TTL_SECONDS). */
  loyalty?: TokenOptions;
}

export interface RunningApi {
  url: string;
  stop(): Promise<void>;
}

export async function startApi(options: ApiProcessOptions): Promise<RunningApi> {
  const temporal = await connectClient(options.temporalAddress, options.namespace, options.tracing?.clientInterceptors);
  // Orders are started with our search attributes: on a fresh cluster the API may be up before any worker.
  try {
    const added = await ensureSearchAttributes(temporal);
    if (added.length) options.logger.info({ added }, 'registered search attributes');
  } catch (error) {
    await temporal.connection.close();
    throw error;
  }
  const prisma = createPrisma(options.databaseUrl);
  const temporalCalls = new Set<Promise<unknown>>();
  const app = createApp({
    temporalCalls,
    prisma,
    temporal,
    logger: options.logger,
    metrics: options.metrics ?? createMetrics(),
    taskQueue: options.taskQueue,
    temporalUiUrl: options.temporalUiUrl,
    providers: options.providers ?? new Map(),
    operators: options.operators ?? new Map(),
    devices: options.devices ?? new Map(),
    orderPolicy: options.orderPolicy ?? defaultOrderPolicy(),
    queuePolicy: options.queuePolicy ?? DEFAULT_QUEUE_POLICY,
    ...(options.reconcileGraceSeconds === undefined ? {} : { reconcileGraceSeconds: options.reconcileGraceSeconds }),
    ...(options.loyalty ? { loyalty: options.loyalty } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  });
  const server = await listen(app, options.host, options.port);
  return {
    url: server.url,
    async stop() {
      await server.close();
      // A request cut at the end of the grace period may still have a Temporal call retrying
      // (bounded by its deadline); closing the channel under it would throw from the SDK's retry timer.
      await Promise.allSettled([...temporalCalls]);
      await prisma.$disconnect();
      await temporal.connection.close();
    },
  };
}

function defaultOrderPolicy(): ApiContext['orderPolicy'] {
  const config = orderPolicySchema.parse({});
  return { deadlineMs: config.ORDER_DEADLINE_SECONDS * 1000, confirmationTimeoutMs: config.CONFIRMATION_TIMEOUT_SECONDS * 1000 };
}

/** The API's options that come straight from configuration; one place for `npm run api` and the sandbox. */
export function apiOptionsFromConfig(config: ApiConfig | DevConfig) {
  return {
    queuePolicy: queuePolicyFrom(config),
    reconcileGraceSeconds: config.RECONCILE_GRACE_SECONDS,
    limits: limitsFromConfig(config),
    ...(config.API_TRUST_PROXY === undefined ? {} : { trustProxy: config.API_TRUST_PROXY }),
    orderPolicy: {
      deadlineMs: config.ORDER_DEADLINE_SECONDS * 1000,
      confirmationTimeoutMs: config.CONFIRMATION_TIMEOUT_SECONDS * 1000,
      historyEventLimit: config.ORDER_HISTORY_EVENT_LIMIT,
    },
    loyalty: loyaltyTokenOptions(config),
  };
}
