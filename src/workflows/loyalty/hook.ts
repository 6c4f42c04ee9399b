/**
 * The entry point for the order lifecycle: when an order completes, call
 * `await enrolPurchaseForAccrual({ customerId, number })` from the order workflow.
 * If the customer is a loyalty user (login = customerId), the number is recorded as
 * their loyalty order and its accrual workflow is started (idempotently, abandoned on
 * parent close so it outlives the order workflow). Returns whether it was enrolled.
 * Clients outside a workflow can start `enrolPurchaseWorkflow` instead.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, proxyLocalActivities, startChild } from '@temporalio/workflow';
import type { createLoyaltyActivities } from '../../activities/loyalty/activities';
import { accrualWorkflowId } from '../../domain/loyalty/ids';
import type { PurchaseForAccrual } from './types';
import { accrualWorkflow } from './workflow';

const { enrolPurchase } = proxyLocalActivities<ReturnType<typeof createLoyaltyActivities>>({
  startToCloseTimeout: '10 seconds',
});

export async function enrolPurchaseForAccrual(purchase: PurchaseForAccrual): Promise<boolean> {
  if (!(await enrolPurchase(purchase))) return false;
  try {
    await startChild(accrualWorkflow, {
      workflowId: accrualWorkflowId(purchase.number),
      args: [{ number: purchase.number }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (error) {
    // Already polling (an upload or an earlier attempt started it): nothing more to do.
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  return true;
}

export async function enrolPurchaseWorkflow(purchase: PurchaseForAccrual): Promise<{ enrolled: boolean }> {
  return { enrolled: await enrolPurchaseForAccrual(purchase) };
}
