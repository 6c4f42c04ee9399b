/** A worker process's body: connects, runs until stopped, then drains in-flight tasks. */
import { NativeConnection } from '@temporalio/worker';
import type { ProviderRegistry } from '../config/providers';
import { createPrisma } from '../infra/database';
import type { Logger } from '../infra/logger';
import { createOrderWorker } from '../worker/worker';

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
}

export interface RunningWorker {
  /** Rejects if the worker stops by itself with an error. */
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function startWorker(options: WorkerProcessOptions): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: options.temporalAddress });
  const prisma = createPrisma(options.databaseUrl);
  const worker = await createOrderWorker({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    deps: {
      prisma,
      providers: options.providers,
      callbackBaseUrl: options.callbackBaseUrl,
      quoteCacheTtlMs: options.quoteCacheTtlMs,
    },
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : {}),
  });
  const done = worker.run().finally(async () => {
    await prisma.$disconnect();
    await connection.close();
  });
  options.logger.info({ taskQueue: options.taskQueue }, 'worker polling');
  return {
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
