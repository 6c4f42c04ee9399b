/** Builds the workers: the order worker (workflows, database activities) and the accrual worker. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeConnection, Worker, type BundleOptions, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createAccrualActivities, createActivities, type ActivityDeps } from '../activities';
import type { AccrualWorkerOptions } from '../config';
import { createHttpClient } from '../infra/http-client';
import type { Logger } from '../infra/logger';
import type { Metrics } from '../infra/metrics';
import { discardWorkflowSpans, type Tracing } from '../infra/tracing';
import { cachedWorkflowBundle } from './workflow-bundle';

export interface OrderWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Pre-bundled workflow code (the test harness's); else see workflowSource. */
  workflowBundle?: { code: string };
  /** Tracing on: activity spans and the workflow-span sink. */
  tracing?: Tracing;
  /** How long in-flight activities may finish after shutdown is requested (SDK default: 0). */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

/** Bundled into the workflow code: the OpenTelemetry workflow interceptors (no-ops unless tracing is on). */
export const WORKFLOW_INTERCEPTOR_MODULES = [require.resolve('../workflows/interceptors')];

/** What every workflow bundle is built from: `npm run build`, the test harness, and source runs alike. */
export function workflowBundleOptions(): Pick<BundleOptions, 'workflowsPath' | 'workflowInterceptorModules'> {
  return { workflowsPath: require.resolve('../workflows'), workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES };
}

/**
 * Where a worker's workflow code comes from: the bundle it is given; else, running
 * compiled code, the one `npm run build` wrote; else (source runs) the cached bundle of
 * these sources, built on the first start after a change (src/worker/workflow-bundle.ts).
 */
export async function workflowSource(bundle?: { code: string }, logger?: Logger): Promise<Pick<WorkerOptions, 'workflowBundle'>> {
  if (bundle) return { workflowBundle: bundle };
  const prebuilt = path.join(__dirname, '..', '..', 'workflow-bundle.js');
  if (__filename.endsWith('.js') && fs.existsSync(prebuilt)) return { workflowBundle: { codePath: prebuilt } };
  const { code } = await cachedWorkflowBundle(workflowBundleOptions(), logger);
  return { workflowBundle: { code } };
}

/**
 * Options a replay worker needs besides its histories, so replays see what workers
 * run: `Worker.runReplayHistories({ ...replayWorkerOptions(bundle) }, histories)`.
 */
export function replayWorkerOptions(bundle: { code: string }) {
  return { workflowBundle: bundle, sinks: discardWorkflowSpans };
}

export async function createOrderWorker(options: OrderWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    // Every bundle carries the workflow interceptors already (workflowBundleOptions).
    ...(await workflowSource(options.workflowBundle, options.deps.logger)),
    activities: createActivities(options.deps),
    interceptors: { ...options.tracing?.workerOptions.interceptors },
    sinks: options.tracing?.workerOptions.sinks ?? discardWorkflowSpans,
    ...(options.shutdownGraceTime === undefined ? {} : { shutdownGraceTime: options.shutdownGraceTime }),
  });
}

export interface AccrualWorkerCreateOptions {
  connection: NativeConnection;
  namespace: string;
  options: AccrualWorkerOptions;
  pool: Pool;
  /** Where the accrual polls and the request latency are counted. */
  metrics: Metrics;
  /** Every request to the accrual system gets an outbound log line. */
  logger: Logger;
  /** Tracing on: activity spans, and the request's client span in the same trace. */
  tracing?: Tracing;
}

/**
 * The accrual worker: only the request to the accrual system, on its own task queue.
 * `maxTaskQueueActivitiesPerSecond` is enforced by the Temporal server across every
 * worker of the queue, so the steady request rate stays under the accrual system's limit.
 */
export async function createAccrualWorker({ connection, namespace, options, pool, metrics, logger, tracing }: AccrualWorkerCreateOptions): Promise<Worker> {
  // Named in Temporal and in the User-Agent of its requests, so an accrual system's logs show who asked.
  const identity = `${process.pid}@${os.hostname()}/accrual-${randomUUID().slice(0, 8)}`;
  return Worker.create({
    connection,
    namespace,
    identity,
    taskQueue: options.taskQueue,
    activities: createAccrualActivities({
      pool,
      options: options.client,
      identity,
      metrics,
      // The activity sets each request's timeout itself (ACCRUAL_REQUEST_TIMEOUT_MS).
      http: createHttpClient({ target: 'accrual', logger, metrics }),
    }),
    interceptors: { ...tracing?.workerOptions.interceptors },
    maxTaskQueueActivitiesPerSecond: options.maxRequestsPerSecond,
    // Requests are sent one at a time under the gate's lock; a few slots keep the queue moving. Fewer
    // slots than the pool has connections: the lock holder needs a second one for its in-flight record.
    maxConcurrentActivityTaskExecutions: 4,
  });
}
