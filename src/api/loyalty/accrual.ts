/** Starting accrual workflows from outside a workflow: the upload route and start-up recovery. */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { accrualWorkflowId } from '../../domain/loyalty/ids';
import type { PrismaClient } from '../../infra/database';
import { accrualWorkflow } from '../../workflows';

/** Idempotent: joins the running accrual workflow of `number`, or starts one (also after an earlier run gave up). */
export async function startAccrual(temporal: Client, taskQueue: string, number: string): Promise<void> {
  try {
    await temporal.workflow.start(accrualWorkflow, {
      workflowId: accrualWorkflowId(number),
      taskQueue,
      args: [{ number }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/** Orders awaiting accrual: not final, and polling did not give up on them. */
export async function unfinishedAccruals(prisma: PrismaClient): Promise<string[]> {
  const pending = await prisma.loyaltyOrder.findMany({ where: { status: { in: ['NEW', 'PROCESSING'] }, accrualGaveUpAt: null }, select: { number: true } });
  return pending.map((order) => order.number);
}

/**
 * Makes sure every order awaiting accrual has a polling workflow. PostgreSQL is the
 * durable record of what awaits accrual, so a Temporal cluster that lost its state
 * (the single-binary mode's in-memory dev server) picks every pending order up again —
 * but not those polling gave up on after the horizon (uploading one again polls it again).
 */
export async function resumeUnfinishedAccruals(prisma: PrismaClient, temporal: Client, taskQueue: string, stopping?: AbortSignal): Promise<number> {
  const pending = await unfinishedAccruals(prisma);
  for (const number of pending) {
    stopping?.throwIfAborted();
    await startAccrual(temporal, taskQueue, number);
  }
  return pending.length;
}
