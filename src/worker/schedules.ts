/**
 * The reconciler's Temporal Schedule (a cron without a cron process): created or
 * updated by every worker at start, so any deployment converges on one schedule.
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { StuckThresholds } from '../domain/orders/stuck';
import type { ReconcilePolicy } from '../workflows/ops/types';

export const RECONCILER_SCHEDULE_ID = 'reconcile-orders';

export async function ensureReconcilerSchedule(
  client: Client,
  options: { scheduleId?: string; taskQueue: string; everySeconds: number; policy: ReconcilePolicy },
): Promise<void> {
  const scheduleId = options.scheduleId ?? RECONCILER_SCHEDULE_ID;
  const spec = { intervals: [{ every: `${options.everySeconds} seconds` }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'reconcileOrdersWorkflow',
    taskQueue: options.taskQueue,
    args: [options.policy],
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec, action, policies }));
  }
}

/** The reconciler's schedule, from configuration: RECONCILE_INTERVAL_SECONDS, STUCK_AFTER_SECONDS, RECONCILE_GRACE_SECONDS. */
export function reconcilerSchedule(config: {
  RECONCILE_INTERVAL_SECONDS: number;
  STUCK_AFTER_SECONDS: StuckThresholds;
  RECONCILE_GRACE_SECONDS: number;
}): { everySeconds: number; policy: ReconcilePolicy } {
  return {
    everySeconds: config.RECONCILE_INTERVAL_SECONDS,
    policy: { stuckThresholds: config.STUCK_AFTER_SECONDS, graceSeconds: config.RECONCILE_GRACE_SECONDS },
  };
}
