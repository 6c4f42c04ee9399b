/** The reconciler's policy and report (plain data shared by its workflow, activity and the API). */
import type { StuckThresholds } from '../../domain/orders/stuck';

export interface ReconcilePolicy {
  stuckThresholds: StuckThresholds;
  /** Intake rows younger than this may still be starting their workflow: not judged yet. */
  graceSeconds: number;
}

export type AnomalyKind = 'missing_workflow' | 'workflow_ended' | 'missing_read_model' | 'status_mismatch';

export interface Finding {
  workflowId: string;
  orderId?: string | undefined;
  kind: AnomalyKind;
  detail: string;
}

export interface ReconcileReport {
  checkedOrders: number;
  runningWorkflows: number;
  /** Fixed by re-projecting from the workflow. */
  repaired: Finding[];
  /** Needs a human: reported through metrics, logs and GET /ops/stuck-orders. */
  unresolved: Finding[];
  stuck: { orderId: string; status: string; updatedAt: string }[];
}
