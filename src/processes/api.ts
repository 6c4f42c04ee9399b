/** An API process's body: Temporal client, database, express app, listening socket. */
import { createApp } from '../api/app';
import type { ApiContext } from '../api/context';
import { listen } from '../api/server';
import { createPrisma } from '../infra/database';
import type { Logger } from '../infra/logger';
import { createMetrics, type Metrics } from '../infra/metrics';
import { connectClient } from '../infra/temporal';
import type { Tracing } from '../infra/tracing';

export interface ApiProcessOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  temporalUiUrl: string;
  databaseUrl: string;
  host: string;
  port: number;
  logger: Logger;
  providers: ApiContext['providers'];
  operators: ApiContext['operators'];
  orderPolicy: ApiContext['orderPolicy'];
  stuckThresholds?: ApiContext['stuckThresholds'];
  reconcileGraceSeconds?: number;
  limits?: ApiContext['limits'];
  trustProxy?: ApiContext['trustProxy'];
  /** This process's registry, served at /metrics; a fresh one when omitted. */
  metrics?: Metrics;
  /** Tracing on: the Temporal client passes the request's trace to the workflows it starts. */
  tracing?: Tracing;
}

export interface RunningApi {
  url: string;
  stop(): Promise<void>;
}

export async function startApi(options: ApiProcessOptions): Promise<RunningApi> {
  const temporal = await connectClient(options.temporalAddress, options.namespace, options.tracing?.clientInterceptors);
  const prisma = createPrisma(options.databaseUrl);
  const app = createApp({
    prisma,
    temporal,
    logger: options.logger,
    metrics: options.metrics ?? createMetrics(),
    taskQueue: options.taskQueue,
    temporalUiUrl: options.temporalUiUrl,
    providers: options.providers,
    operators: options.operators,
    orderPolicy: options.orderPolicy,
    ...(options.stuckThresholds ? { stuckThresholds: options.stuckThresholds } : {}),
    ...(options.reconcileGraceSeconds === undefined ? {} : { reconcileGraceSeconds: options.reconcileGraceSeconds }),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
  });
  const server = await listen(app, options.host, options.port);
  return {
    url: server.url,
    async stop() {
      await server.close();
      await prisma.$disconnect();
      await temporal.connection.close();
    },
  };
}
