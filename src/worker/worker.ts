/** Builds the workers: the order worker (workflows, database activities) and the accrual worker. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Pool } from 'pg';
import { createAccrualActivities, createActivities, type ActivityDeps } from '../activities';
import type { AccrualWorkerOptions } from '../config';

export interface OrderWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Pre-bundled workflow code; built once by `npm run build` (production) or by the test harness. */
  workflowBundle?: { code: string };
}

/** Prefers the bundle `npm run build` wrote when running compiled code; source runs bundle on start. */
export function workflowSource(bundle?: { code: string }): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (bundle) return { workflowBundle: bundle };
  const prebuilt = path.join(__dirname, '..', '..', 'workflow-bundle.js');
  if (__filename.endsWith('.js') && fs.existsSync(prebuilt)) return { workflowBundle: { codePath: prebuilt } };
  return { workflowsPath: require.resolve('../workflows') };
}

export async function createOrderWorker(options: OrderWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...workflowSource(options.workflowBundle),
    activities: createActivities(options.deps),
  });
}

export interface AccrualWorkerCreateOptions {
  connection: NativeConnection;
  namespace: string;
  options: AccrualWorkerOptions;
  pool: Pool;
}

/**
 * The accrual worker: only the request to the accrual system, on its own task queue.
 * `maxTaskQueueActivitiesPerSecond` is enforced by the Temporal server across every
 * worker of the queue, so the steady request rate stays under the accrual system's limit.
 */
export async function createAccrualWorker({ connection, namespace, options, pool }: AccrualWorkerCreateOptions): Promise<Worker> {
  // Named in Temporal and in the User-Agent of its requests, so an accrual system's logs show who asked.
  const identity = `${process.pid}@${os.hostname()}/accrual-${randomUUID().slice(0, 8)}`;
  return Worker.create({
    connection,
    namespace,
    identity,
    taskQueue: options.taskQueue,
    activities: createAccrualActivities({ pool, options: options.client, identity }),
    maxTaskQueueActivitiesPerSecond: options.maxRequestsPerSecond,
    // Requests are sent one at a time under the gate's lock; a few slots keep the queue moving.
    maxConcurrentActivityTaskExecutions: 4,
  });
}
