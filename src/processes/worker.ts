/**
 * A worker process's body: connects, runs until stopped, then drains in-flight tasks.
 * Two Temporal workers share the connection: the main one (every workflow and the
 * database and provider activities) and, when an accrual system is configured, the
 * accrual worker on its own rate-capped task queue.
 */
import { NativeConnection, type Worker } from '@temporalio/worker';
import { listen, type RunningServer } from '../api/server';
import type { AccrualWorkerOptions } from '../config';
import type { ProviderRegistry } from '../config/providers';
import { createPool, createPrisma } from '../infra/database';
import type { Logger } from '../infra/logger';
import { createMetrics, metricsEndpoint, type Metrics } from '../infra/metrics';
import { connectClient } from '../infra/temporal';
import type { Tracing } from '../infra/tracing';
import { ensureReconcilerSchedule } from '../worker/schedules';
import { createAccrualWorker, createOrderWorker } from '../worker/worker';
import type { AccrualRunSettings } from '../workflows/loyalty/types';
import type { ReconcilePolicy } from '../workflows/ops/types';

export interface WorkerProcessOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  logger: Logger;
  /** Default: no providers (a loyalty-only deployment). */
  providers?: ProviderRegistry;
  /** Our API's URL as providers reach it (webhook callbacks). */
  callbackBaseUrl?: string | undefined;
  /** Default: five minutes. */
  quoteCacheTtlMs?: number;
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
  /** How accrual workflows poll (configuration defaults when absent). */
  accrualSettings?: AccrualRunSettings;
  /** Absent: no accrual requests from this process (accrual workflows wait for a worker that has them). */
  accrualWorker?: AccrualWorkerOptions;
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
  const pool = options.accrualWorker ? createPool(options.databaseUrl, 6) : undefined;
  // An idle connection dropped by the server (restart, failover) must not crash the worker: pg reconnects.
  pool?.on('error', (error: Error & { code?: string }) =>
    options.logger.warn({ code: error.code, reason: error.message, accrualTaskQueue: options.accrualWorker?.taskQueue }, 'accrual gate connection lost'),
  );
  const closeAll = async () => {
    await prisma.$disconnect();
    await pool?.end();
    await temporal.connection.close();
    await connection.close();
  };
  const workers: Worker[] = [];
  try {
    workers.push(
      await createOrderWorker({
        connection,
        namespace: options.namespace,
        taskQueue: options.taskQueue,
        deps: {
          prisma,
          temporal,
          metrics,
          logger: options.logger,
          providers: options.providers ?? new Map(),
          callbackBaseUrl: options.callbackBaseUrl,
          quoteCacheTtlMs: options.quoteCacheTtlMs ?? 5 * 60_000,
          ...(options.accrualSettings ? { accrual: options.accrualSettings } : {}),
        },
        ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
        ...(options.tracing ? { tracing: options.tracing } : {}),
        ...(options.shutdownGraceSeconds === undefined ? {} : { shutdownGraceTime: options.shutdownGraceSeconds * 1000 }),
      }),
    );
    if (options.accrualWorker && pool) {
      const accrualWorker = await createAccrualWorker({
        connection,
        namespace: options.namespace,
        options: options.accrualWorker,
        pool,
        metrics,
        logger: options.logger,
        ...(options.tracing ? { tracing: options.tracing } : {}),
      });
      workers.push(accrualWorker);
    }
    if (options.reconciler && options.reconciler.everySeconds > 0) {
      await ensureReconcilerSchedule(temporal, { ...options.reconciler, taskQueue: options.taskQueue });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  let metricsServer: RunningServer | undefined;
  if (options.metricsPort !== undefined) metricsServer = await listen(metricsEndpoint(metrics.registry), '0.0.0.0', options.metricsPort);
  const runs = workers.map((worker) => worker.run());
  // One worker failing stops the other, so the process never runs half a worker.
  runs.forEach((run) => run.catch(() => workers.forEach(shutdown)));
  const done = Promise.allSettled(runs).then(async (results) => {
    await metricsServer?.close();
    await closeAll();
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  });
  options.logger.info(
    {
      taskQueue: options.taskQueue,
      accrualTaskQueue: options.accrualWorker?.taskQueue,
      accrualSystem: options.accrualWorker?.client.address,
      metricsUrl: metricsServer?.url,
    },
    options.accrualWorker ? 'worker polling (orders and accrual)' : 'worker polling (no accrual system configured)',
  );
  return {
    done,
    ...(metricsServer ? { metricsUrl: `${metricsServer.url}/metrics` } : {}),
    async stop() {
      workers.forEach(shutdown);
      await done;
    },
  };
}

function shutdown(worker: Worker): void {
  if (worker.getState() === 'RUNNING') worker.shutdown();
}
