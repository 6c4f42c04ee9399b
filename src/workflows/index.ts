// Every workflow the worker registers. Workflow code is deterministic: it imports only
// @temporalio/workflow, types, and the pure rules in src/domain (enforced by lint).
export { orderWorkflow } from './orders/workflow';
export { reconcileOrdersWorkflow } from './ops/reconciler';
