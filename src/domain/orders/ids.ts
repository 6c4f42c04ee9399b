/**
 * Names derived from an order, in one place: its workflow id, and the idempotency
 * keys sent to providers so a retried activity never places or cancels twice.
 */
export function orderWorkflowId(orderId: string): string {
  return `order-${orderId}`;
}

/** The order an order workflow id names, or undefined for other workflows (accruals, the reconciler). */
export function orderIdOfWorkflow(workflowId: string): string | undefined {
  return /^order-([0-9a-f-]{36})$/i.exec(workflowId)?.[1];
}

/** One key per (order, provider, attempt): a failover to another provider is a new attempt. */
export function placementKey(orderId: string, provider: string, attempt: number): string {
  return `${orderId}:${provider}:${attempt}:place`;
}

export function cancellationKey(orderId: string, provider: string, attempt: number): string {
  return `${orderId}:${provider}:${attempt}:cancel`;
}

/** Cancelling a placement by its key (its outcome unknown): its own key, apart from a cancel by provider order id. */
export function placementCancellationKey(orderId: string, provider: string, attempt: number): string {
  return `${orderId}:${provider}:${attempt}:cancel-placement`;
}
