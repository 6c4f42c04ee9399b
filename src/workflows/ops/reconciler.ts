/**
 * Finds lost and stuck orders. Run by the Temporal Schedule `reconcile-orders` (no cron
 * process) and on demand (POST /ops/reconcile); the work is one activity, since it is
 * all reading and comparing.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { ReconcilerActivities } from '../../activities/ops/reconciler';
import type { ReconcilePolicy, ReconcileReport } from './types';

const { reconcileOrders } = proxyActivities<ReconcilerActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3 },
});

export async function reconcileOrdersWorkflow(policy: ReconcilePolicy): Promise<ReconcileReport> {
  return reconcileOrders(policy);
}
