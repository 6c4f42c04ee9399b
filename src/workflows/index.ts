// Every workflow the worker registers. Workflow code is deterministic: it imports only
// @temporalio/workflow, types, and the pure rules in src/domain (enforced by lint).
export { orderWorkflow } from './orders/workflow';
export { reconcileOrdersWorkflow } from './ops/reconciler';
export { accrualWorkflow } from './loyalty/workflow';
// enrolPurchaseForAccrual (in ./loyalty/hook) is called from inside the order workflow; this is its client-startable form.
export { enrolPurchaseWorkflow } from './loyalty/hook';
