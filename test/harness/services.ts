/**
 * Starts what a test needs on top of the shared infrastructure: a worker on its own
 * task queue (so tests never steal each other's tasks) and, optionally, the API on a
 * free port, both in this process.
 */
import { randomUUID } from 'node:crypto';
import { startApi } from '../../src/processes/api';
import { startWorker, type RunningWorker } from '../../src/processes/worker';
import { testEnv } from './environment';

export interface TestServices {
  taskQueue: string;
  apiUrl: string;
  worker: RunningWorker;
  stop(): Promise<void>;
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export async function startServices(options: { taskQueue?: string; withApi?: boolean } = {}): Promise<TestServices> {
  const env = testEnv();
  const taskQueue = options.taskQueue ?? uniqueTaskQueue();
  const common = {
    temporalAddress: env.temporalAddress,
    namespace: env.namespace,
    taskQueue,
    databaseUrl: env.databaseUrl,
    logger: env.logger,
  };
  const worker = await startWorker({ ...common, workflowBundle: env.workflowBundle });
  const api =
    options.withApi === false
      ? undefined
      : await startApi({ ...common, temporalUiUrl: 'http://temporal-ui.test', host: '127.0.0.1', port: 0 });
  return {
    taskQueue,
    apiUrl: api?.url ?? '',
    worker,
    async stop() {
      await api?.stop();
      await worker.stop();
    },
  };
}
