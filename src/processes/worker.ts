/**
 * A worker process's body: connects, runs until stopped, then drains in-flight tasks.
 * Two Temporal workers share the connection: the main one (every workflow and the
 * database activities) and, when an accrual system is configured, the accrual worker
 * on its own rate-capped task queue.
 */
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { AccrualWorkerOptions } from '../config';
import { createPool, createPrisma } from '../infra/database';
import type { Logger } from '../infra/logger';
import type { AccrualRunSettings } from '../workflows/loyalty/types';
import { createAccrualWorker, createOrderWorker } from '../worker/worker';

export interface WorkerProcessOptions {
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  databaseUrl: string;
  logger: Logger;
  workflowBundle?: { code: string };
  /** How accrual workflows poll (configuration defaults when absent). */
  accrualSettings?: AccrualRunSettings;
  /** Absent: no accrual requests from this process (accrual workflows wait for a worker that has them). */
  accrualWorker?: AccrualWorkerOptions;
}

export interface RunningWorker {
  /** Rejects if the worker stops by itself with an error. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function startWorker(options: WorkerProcessOptions): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: options.temporalAddress });
  const prisma = createPrisma(options.databaseUrl);
  const pool = options.accrualWorker ? createPool(options.databaseUrl, 6) : undefined;
  // An idle connection dropped by the server (restart, failover) must not crash the worker: pg reconnects.
  // (pg-pool's end() can return while a client's socket is still open; a server shutdown later lands here too.)
  pool?.on('error', (error: Error & { code?: string }) =>
    options.logger.warn({ code: error.code, reason: error.message, accrualTaskQueue: options.accrualWorker?.taskQueue }, 'accrual gate connection lost'),
  );
  const workers: Worker[] = [];
  try {
    workers.push(
      await createOrderWorker({
        connection,
        namespace: options.namespace,
        taskQueue: options.taskQueue,
        deps: { prisma, ...(options.accrualSettings ? { accrual: options.accrualSettings } : {}) },
        ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
      }),
    );
    if (options.accrualWorker && pool) {
      workers.push(await createAccrualWorker({ connection, namespace: options.namespace, options: options.accrualWorker, pool }));
    }
  } catch (error) {
    await Promise.all([prisma.$disconnect(), pool?.end(), connection.close()]);
    throw error;
  }
  const runs = workers.map((worker) => worker.run());
  // One worker failing stops the other, so the process never runs half a worker.
  runs.forEach((run) => run.catch(() => workers.forEach(shutdown)));
  const done = Promise.allSettled(runs).then(async (results) => {
    await prisma.$disconnect();
    await pool?.end();
    await connection.close();
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  });
  options.logger.info(
    { taskQueue: options.taskQueue, accrualTaskQueue: options.accrualWorker?.taskQueue, accrualSystem: options.accrualWorker?.client.address },
    options.accrualWorker ? 'workers polling (orders and accrual)' : 'worker polling (no accrual system configured)',
  );
  return {
    done,
    async stop() {
      workers.forEach(shutdown);
      await done;
    },
  };
}

function shutdown(worker: Worker): void {
  if (worker.getState() === 'RUNNING') worker.shutdown();
}
