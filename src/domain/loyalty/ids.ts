/** One rule for naming an order number's accrual workflow, shared by the API, the hook and the tests. */
export function accrualWorkflowId(number: string): string {
  return `accrual-${number}`;
}
