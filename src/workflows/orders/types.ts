/** The order workflow's input and result: the contract between the API that starts it and the workflow. */
export interface OrderItemInput {
  provider: string;
  sku: string;
  quantity: number;
}

export interface OrderWorkflowInput {
  orderId: string;
  number: number;
  customerId: string;
  items: OrderItemInput[];
}

export interface OrderProjection {
  orderId: string;
  status: string;
  /** Monotonic per order: a projection carrying an older version than the row is ignored. */
  version: number;
}
