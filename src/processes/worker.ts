/** A worker process's body: connects, runs until stopped, then drains in-flight tasks. */
import { NativeConnection } from '@temporalio/worker';
import type { ProviderRegistry } from '../config/providers';
import { listen, type RunningServer } from '../api/server';
import { createPrisma } from '../infra/database';
import type { Logger } from '../infra/logger';
import { createMetrics, metricsEndpoint, type Metrics } from '../infra/metrics';
import { connectClient } from '../infra/temporal';
import type { Tracing } from '../infra/tracing';
import { ensureReconcilerSchedule } from '../worker/schedules';
import { createOrderWorker } from '../worker/worker';
import type { ReconcilePolicy } from '../workflows/ops/types';

export interface WorkerProcessOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  logger: Logger;
  providers: ProviderRegistry;
  /** Our API's URL as providers reach it (webhook callbacks). */
  callbackBaseUrl?: string | undefined;
  quoteCacheTtlMs: number;
  workflowBundle?: { code: string };
  /** This process's registry (the sandbox shares the API's); a fresh one when omitted. */
  metrics?: Metrics;
  /** Serve `metrics` on this port at /metrics (WORKER_BUSINESS_METRICS_PORT); not served when omitted. */
  metricsPort?: number;
  tracing?: Tracing;
  /** Seconds in-flight activities get to finish after stop() before they are cancelled. */
  shutdownGraceSeconds?: number;
  /** Create or update the reconciler's schedule (every `everySeconds`; 0 or omitted: leave it alone). */
  reconciler?: { everySeconds: number; policy: ReconcilePolicy; scheduleId?: string };
}

export interface RunningWorker {
  /** Rejects if the worker stops by itself with an error. */
  done: Promise<void>;
  /** Where `metricsPort` is served, when it is. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

export async function startWorker(options: WorkerProcessOptions): Promise<RunningWorker> {
  const metrics = options.metrics ?? createMetrics();
  const connection = await NativeConnection.connect({ address: options.temporalAddress });
  // A client for the reconciler's reads (visibility, describe, query) and its schedule.
  const temporal = await connectClient(options.temporalAddress, options.namespace);
  const prisma = createPrisma(options.databaseUrl);
  const worker = await createOrderWorker({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    deps: {
      prisma,
      temporal,
      metrics,
      logger: options.logger,
      providers: options.providers,
      callbackBaseUrl: options.callbackBaseUrl,
      quoteCacheTtlMs: options.quoteCacheTtlMs,
    },
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
    ...(options.tracing ? { tracing: options.tracing } : {}),
    ...(options.shutdownGraceSeconds === undefined ? {} : { shutdownGraceTime: options.shutdownGraceSeconds * 1000 }),
  });
  if (options.reconciler && options.reconciler.everySeconds > 0) {
    await ensureReconcilerSchedule(temporal, { ...options.reconciler, taskQueue: options.taskQueue });
  }
  let metricsServer: RunningServer | undefined;
  if (options.metricsPort !== undefined) metricsServer = await listen(metricsEndpoint(metrics.registry), '0.0.0.0', options.metricsPort);
  const done = worker.run().finally(async () => {
    await metricsServer?.close();
    await prisma.$disconnect();
    await temporal.connection.close();
    await connection.close();
  });
  options.logger.info({ taskQueue: options.taskQueue, metricsUrl: metricsServer?.url }, 'worker polling');
  return {
    done,
    ...(metricsServer ? { metricsUrl: `${metricsServer.url}/metrics` } : {}),
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
