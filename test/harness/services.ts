/**
 * Starts what a test needs on top of the shared infrastructure: a worker on its own
 * task queue (so tests never steal each other's tasks) and, optionally, the API on a
 * free port, both in this process. With `accrual`, the worker also polls that accrual
 * system on its own (unique) accrual task queue, with fast test timings.
 */
import { randomUUID } from 'node:crypto';
import { accrualRunSettings, accrualSchema, type AccrualWorkerOptions } from '../../src/config';
import { startApi } from '../../src/processes/api';
import { startWorker, type RunningWorker } from '../../src/processes/worker';
import type { AccrualRunSettings } from '../../src/workflows/loyalty/types';
import { testEnv } from './environment';

export interface TestServices {
  taskQueue: string;
  apiUrl: string;
  worker: RunningWorker;
  accrualSettings: AccrualRunSettings;
  /** Starts one more worker process body on the same task queues (for multi-worker tests). */
  addWorker(): Promise<RunningWorker>;
  stop(): Promise<void>;
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export interface AccrualTestOptions {
  /** Base URL of the accrual system (usually a simulator). */
  address: string;
  maxRequestsPerSecond?: number;
  /** Overrides of the fast test defaults (ms). */
  settings?: Partial<AccrualRunSettings>;
  retryAfterMaxMs?: number;
}

/** Fast polling for tests: the production defaults are seconds to minutes. */
export function testAccrualSettings(taskQueue: string, overrides: Partial<AccrualRunSettings> = {}): AccrualRunSettings {
  return {
    ...accrualRunSettings(accrualSchema.parse({})),
    accrualTaskQueue: taskQueue,
    pollIntervalMs: 100,
    unregisteredInitialDelayMs: 100,
    unregisteredMaxDelayMs: 400,
    retryInitialIntervalMs: 100,
    retryMaxIntervalMs: 500,
    ...overrides,
  };
}

export async function startServices(
  options: { taskQueue?: string; withApi?: boolean; accrual?: AccrualTestOptions } = {},
): Promise<TestServices> {
  const env = testEnv();
  const taskQueue = options.taskQueue ?? uniqueTaskQueue();
  const accrualSettings = testAccrualSettings(uniqueTaskQueue('accrual'), options.accrual?.settings);
  const accrualWorker: AccrualWorkerOptions | undefined = options.accrual && {
    taskQueue: accrualSettings.accrualTaskQueue,
    maxRequestsPerSecond: options.accrual.maxRequestsPerSecond ?? 200,
    client: {
      address: options.accrual.address,
      requestTimeoutMs: 2000,
      retryAfterMaxMs: options.accrual.retryAfterMaxMs ?? 60_000,
      retryAfterFallbackMs: 1000,
    },
  };
  const common = {
    temporalAddress: env.temporalAddress,
    namespace: env.namespace,
    taskQueue,
    databaseUrl: env.databaseUrl,
    logger: env.logger,
  };
  const workerOptions = { ...common, workflowBundle: env.workflowBundle, accrualSettings, ...(accrualWorker ? { accrualWorker } : {}) };
  const workers = [await startWorker(workerOptions)];
  const api =
    options.withApi === false
      ? undefined
      : await startApi({ ...common, temporalUiUrl: 'http://temporal-ui.test', host: '127.0.0.1', port: 0 });
  return {
    taskQueue,
    apiUrl: api?.url ?? '',
    worker: workers[0]!,
    accrualSettings,
    async addWorker() {
      const worker = await startWorker(workerOptions);
      workers.push(worker);
      return worker;
    },
    async stop() {
      await api?.stop();
      await Promise.all(workers.map((worker) => worker.stop()));
    },
  };
}
