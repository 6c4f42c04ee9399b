/**
 * The read-model picture of an order, computed from its workflow state: pure, so the
 * workflow's projector and the reconciler's repairs build it the same way.
 */
import { billTotal } from '../../domain/orders/bill';
import type { OrderStatus } from '../../domain/orders/status';
import type { OrderProjection, OrderState, OrderWorkflowInput } from './types';

export function orderProjection(
  input: OrderWorkflowInput,
  state: OrderState,
  status: OrderStatus,
  /** Default: all of them (a repair writes everything; writes are idempotent). */
  transactions: OrderProjection['transactions'] = state.transactions,
  commands: OrderProjection['commands'] = state.commands,
): OrderProjection {
  return {
    orderId: input.orderId,
    version: state.version,
    status,
    total: billTotal(state.total, state.adjustments),
    outcomeReason: state.outcomeReason,
    gateRequired: input.requiresGate,
    gateOpen: state.gateOpen,
    subOrders: state.subOrders.map((sub) => ({ ...sub, items: sub.items, triedProviders: [...sub.triedProviders] })),
    history: [...state.unflushedHistory],
    adjustments: [...state.adjustments],
    transactions,
    commands,
  };
}
