/**
 * The order workflow's messages, declared once for the workflow, the API and tests.
 * Operators can send the same `act` signal from the Temporal Web UI or CLI
 * (payloads in docs/ORDER-LIFECYCLE.md); the API uses the `act` update to learn
 * whether the action was accepted.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { OrderStatus } from '../../domain/orders/status';
import type { ActionRequest, ActionResult, OrderState, OrderWorkflowInput, ProviderEvent, ProviderEventResult } from './types';

/** ApplicationFailure type of a refused update; details[0] is `{ code, status }`. */
export const REFUSAL_TYPE = 'ActionRefused';

export const actUpdate = defineUpdate<ActionResult, [ActionRequest]>('act');
export const actSignal = defineSignal<[ActionRequest]>('act');
export const providerEventUpdate = defineUpdate<ProviderEventResult, [ProviderEvent]>('providerEvent');
/** The order as its workflow sees it; the reconciler re-projects the read model from this. */
export const stateQuery = defineQuery<{ status: OrderStatus; state: OrderState; input: OrderWorkflowInput }>('state');
