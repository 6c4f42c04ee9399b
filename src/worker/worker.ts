/** Builds the order worker. Any number of these may poll one task queue. */
import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

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
