/**
 * Starts what a test needs on top of the shared infrastructure: a worker on its own
 * task queue (so tests never steal each other's tasks) and the API on a free port,
 * both in this process, wired to the given providers. With `accrual`, the worker also
 * polls that accrual system on its own (unique) accrual task queue, with fast timings.
 */
import { randomUUID } from 'node:crypto';
import { accrualRunSettings, accrualSchema, type AccrualWorkerOptions } from '../../src/config';
import { DEFAULT_LIMITS, type ApiLimits } from '../../src/api/limits';
import { providerRegistry, providerRegistrySchema, type ProviderConfig } from '../../src/config/providers';
import { DEFAULT_QUEUE_POLICY, type QueuePolicy } from '../../src/domain/ops/queue';
import { DEFAULT_STUCK_THRESHOLDS, type StuckThresholds } from '../../src/domain/orders/stuck';
import type { Metrics } from '../../src/infra/metrics';
import { freePort } from '../../src/infra/ports';
import { startApi } from '../../src/processes/api';
import { startWorker, type RunningWorker, type WorkerProcessOptions } from '../../src/processes/worker';
import type { AccrualRunSettings } from '../../src/workflows/loyalty/types';
import { testEnv } from './environment';

export const OPERATOR_TOKEN = 'test-operator-token-0123456789';
export const operatorAuth = { authorization: `Bearer ${OPERATOR_TOKEN}` };
/** The point-of-sale devices the test API knows (DEVICE_TOKENS): device id → its own token. */
export const DEVICE_TOKENS: Readonly<Record<string, string>> = {
  'till-1': 'test-device-token-till-1-0123456789',
  'till-2': 'test-device-token-till-2-0123456789',
};
export const deviceAuth = (deviceId: string) => ({ authorization: `Bearer ${DEVICE_TOKENS[deviceId] ?? `no-token-for-${deviceId}`}` });

export interface TestServices {
  taskQueue: string;
  apiUrl: string;
  worker: RunningWorker | undefined;
  accrualSettings: AccrualRunSettings;
  /** The environment a worker child process needs to join this test's task queue. */
  workerEnv: NodeJS.ProcessEnv;
  /** Starts one more in-process worker on the same task queues (multi-worker tests, restarts). */
  addWorker(): Promise<RunningWorker>;
  stop(): Promise<void>;
}

export interface AccrualTestOptions {
  /** Base URL of the accrual system (usually a simulator). */
  address: string;
  maxRequestsPerSecond?: number;
  /** Overrides of the fast test defaults (ms). */
  settings?: Partial<AccrualRunSettings>;
  retryAfterMaxMs?: number;
}

export interface ServiceOptions {
  taskQueue?: string;
  providers?: Partial<ProviderConfig>[];
  deadlineMs?: number;
  confirmationTimeoutMs?: number;
  historyEventLimit?: number;
  /** false: no worker in this process (the test runs its own, e.g. as a child process). */
  inProcessWorker?: boolean;
  /** An isolated world (see isolatedWorld()): its own database and Temporal namespace. */
  databaseUrl?: string;
  namespace?: string;
  /** Overrides of the stuck thresholds (the rest keep their defaults); the reconciler's grace goes to 0. */
  stuckThresholds?: Partial<StuckThresholds>;
  /** Overrides of the work queue's rules other than `stuck` (e.g. a short lease). */
  queuePolicy?: Partial<Omit<QueuePolicy, 'stuck'>>;
  /** One metrics registry for worker and API, so the API's /metrics shows the worker's gauges. */
  metrics?: Metrics;
  reconciler?: WorkerProcessOptions['reconciler'];
  accrual?: AccrualTestOptions;
  /** Off by default so tests sharing a database do not share quotes. */
  quoteCacheTtlMs?: number;
  /** Body and rate limits; by default the production body limit and no rate limit (tests poll hard). */
  limits?: ApiLimits;
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
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

export async function startServices(options: ServiceOptions = {}): Promise<TestServices> {
  const env = testEnv();
  const taskQueue = options.taskQueue ?? uniqueTaskQueue();
  const providers = providerRegistry(providerRegistrySchema.parse(options.providers ?? []));
  const apiPort = await freePort();
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
    namespace: options.namespace ?? env.namespace,
    taskQueue,
    databaseUrl: options.databaseUrl ?? env.databaseUrl,
    logger: env.logger,
    providers,
    ...(options.metrics ? { metrics: options.metrics } : {}),
  };
  const newWorker = () =>
    startWorker({
      ...common,
      workflowBundle: env.workflowBundle,
      callbackBaseUrl: `http://127.0.0.1:${apiPort}`,
      quoteCacheTtlMs: options.quoteCacheTtlMs ?? 0,
      accrualSettings,
      ...(accrualWorker ? { accrualWorker } : {}),
      ...(options.reconciler ? { reconciler: options.reconciler } : {}),
    });
  const workers = options.inProcessWorker === false ? [] : [await newWorker()];
  const api = await startApi({
    ...common,
    temporalUiUrl: 'http://temporal-ui.test',
    host: '127.0.0.1',
    port: apiPort,
    operators: new Map([[OPERATOR_TOKEN, 'test-operator']]),
    devices: new Map(Object.entries(DEVICE_TOKENS).map(([deviceId, token]) => [token, deviceId])),
    limits: options.limits ?? { ...DEFAULT_LIMITS, rateLimit: { ...DEFAULT_LIMITS.rateLimit, max: 0 } },
    queuePolicy: { ...DEFAULT_QUEUE_POLICY, ...options.queuePolicy, stuck: { ...DEFAULT_STUCK_THRESHOLDS, ...options.stuckThresholds } },
    ...(options.stuckThresholds ? { reconcileGraceSeconds: 0 } : {}),
    orderPolicy: {
      deadlineMs: options.deadlineMs ?? 60 * 60_000,
      confirmationTimeoutMs: options.confirmationTimeoutMs ?? 60 * 60_000,
      historyEventLimit: options.historyEventLimit,
    },
  });
  return {
    taskQueue,
    apiUrl: api.url,
    worker: workers[0],
    accrualSettings,
    workerEnv: {
      ...process.env,
      TEMPORAL_ADDRESS: env.temporalAddress,
      TEMPORAL_NAMESPACE: common.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATABASE_URL: common.databaseUrl,
      PROVIDERS: JSON.stringify([...providers.values()]),
      PROVIDER_CALLBACK_URL: `http://127.0.0.1:${apiPort}`,
      QUOTE_CACHE_TTL_SECONDS: '0.001',
      RECONCILE_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'info',
    },
    async addWorker() {
      const worker = await newWorker();
      workers.push(worker);
      return worker;
    },
    async stop() {
      await api.stop();
      await Promise.all(workers.map((worker) => worker.stop()));
    },
  };
}
