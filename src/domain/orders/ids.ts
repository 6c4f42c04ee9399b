/** One rule for naming an order's workflow, shared by the API, the workflow and the tests. */
export function orderWorkflowId(orderId: string): string {
  return `order-${orderId}`;
}
