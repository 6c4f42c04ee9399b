/**
 * The order lifecycle. Foundation slice: the workflow records the accepted order
 * in the read model; quoting, dispatch and tracking arrive with the lifecycle issue.
 */
import { proxyLocalActivities } from '@temporalio/workflow';
import type { createOrderActivities } from '../../activities/orders/activities';
import type { OrderWorkflowInput } from './types';

const { projectOrder } = proxyLocalActivities<ReturnType<typeof createOrderActivities>>({
  startToCloseTimeout: '10 seconds',
});

export async function orderWorkflow(input: OrderWorkflowInput): Promise<{ status: string }> {
  await projectOrder({ orderId: input.orderId, status: 'RECEIVED', version: 1 });
  return { status: 'RECEIVED' };
}
