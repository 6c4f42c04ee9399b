/** Building, submitting and watching orders in tests. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { orderWorkflowId } from '../../src/domain/orders/ids';
import { isLegalTransition, type OrderStatus } from '../../src/domain/orders/status';
import { stateQuery } from '../../src/workflows/orders/messages';
import { testEnv } from './environment';
import { eventually, request } from './http';
import { startProviders } from './providers';
import { operatorAuth, startServices } from './services';

export interface TestItem {
  provider: string;
  sku: string;
  quantity: number;
  unitPrice?: string | null;
}

export function orderBody(items: TestItem[], extra: Record<string, unknown> = {}) {
  return {
    customerId: `customer-${randomUUID()}`,
    items,
    delivery: { address: '1 Test Street, Testville', contactPhone: '+44 20 1234 5678' },
    ...extra,
  };
}

export async function submit(apiUrl: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await request('POST', `${apiUrl}/orders`, { json: body, headers });
  if (response.status !== 202 && response.status !== 200) throw new Error(`submit answered ${response.status}: ${JSON.stringify(response.body)}`);
  return response.body as { id: string; number: number; workflowId: string; customerId: string };
}

export async function getOrder(apiUrl: string, id: string) {
  const response = await request('GET', `${apiUrl}/orders/${id}`, { headers: operatorAuth });
  if (response.status !== 200) throw new Error(`GET order answered ${response.status}`);
  return response.body;
}

/** Waits until the read model shows `status` (the user-visible truth), returning the order. */
export async function waitForStatus(apiUrl: string, id: string, status: string, timeoutMs = 20_000) {
  return waitForOrder(apiUrl, id, (order) => order.status === status, `order ${id} to be ${status}`, timeoutMs);
}

/**
 * Waits until the order as `GET /orders/:id` shows it satisfies `seen`. The read model is written record by
 * record, so an order's status and its sub-orders' statuses become visible one after the other: a test that
 * needs both must wait for both.
 */
export async function waitForOrder(apiUrl: string, id: string, seen: (order: any) => boolean, what: string, timeoutMs = 20_000) {
  let last: any;
  try {
    return await eventually(
      async () => {
        last = await getOrder(apiUrl, id);
        return seen(last) ? last : undefined;
      },
      timeoutMs,
      what,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify({ status: last?.status, subOrders: last?.subOrders, history: last?.history?.map((h: any) => h.reason) })}`);
  }
}

/** The statuses an order went through, from its history; each step must be one the state machine allows. */
export function assertLegalStatuses(history: { fromStatus: string | null; toStatus: string | null }[]): OrderStatus[] {
  const statuses = history.filter((h) => h.toStatus).map((h) => h.toStatus as OrderStatus);
  for (let i = 1; i < statuses.length; i++) {
    assert.ok(isLegalTransition(statuses[i - 1]!, statuses[i]!), `illegal ${statuses[i - 1]} → ${statuses[i]} in ${statuses.join(' → ')}`);
  }
  return statuses;
}

/** An order parked until its customer confirms the quoted prices (nothing moves it meanwhile). */
export async function awaitingConfirmation(apiUrl: string, customerId: string, sku = 'margherita') {
  const order = await submit(apiUrl, { ...orderBody([{ provider: 'pizza', sku, quantity: 1 }]), customerId });
  await waitForStatus(apiUrl, order.id, 'AWAITING_CONFIRMATION');
  return order;
}

/**
 * What a refused request must leave unchanged: the order's workflow state and its read model (the
 * row with its bill adjustments, sub-orders, history, items, payments, device commands). Taken once
 * the workflow is idle (nothing it recorded is still unwritten), so a change the projection has not
 * written yet is seen in the workflow's state and, once written, in the read model.
 */
export async function orderSnapshot(id: string): Promise<string> {
  const workflow = await idleWorkflowState(id);
  const order = await testEnv().prisma.order.findUnique({
    where: { id },
    include: { subOrders: true, history: true, items: true, payments: true, commands: true },
  });
  return JSON.stringify({ workflow, order }, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
}

/** The order workflow's state once its projections are written; undefined for an order without a running workflow. */
async function idleWorkflowState(id: string) {
  const handle = testEnv().client.workflow.getHandle(orderWorkflowId(id));
  const running = await handle.describe().then((d) => d.status.name === 'RUNNING', () => false);
  if (!running) return undefined;
  const { state } = await eventually(async () => {
    const seen = await handle.query(stateQuery);
    return seen.state.unflushedHistory.length === 0 ? seen : undefined;
  }, 10_000, `order ${id} idle`);
  const { version, transactions, adjustments, commands, deviceSeq, idempotentActions } = state;
  return { version, transactions, adjustments, commands, deviceSeq, idempotentActions };
}

/** A simulated `pizza` provider, the API and a worker, and one order of `owner` parked awaiting confirmation. */
export async function parkedOrderWorld(owner: string) {
  const providers = await startProviders({ pizza: { behavior: { prices: { margherita: 1250 } } } });
  const services = await startServices({ providers: providers.configs });
  const order = await awaitingConfirmation(services.apiUrl, owner);
  return {
    services,
    order,
    async stop() {
      await services.stop();
      await providers.simulator.stop();
    },
  };
}
