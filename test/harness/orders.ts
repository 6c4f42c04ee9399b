/** Building, submitting and watching orders in tests. */
import { randomUUID } from 'node:crypto';
import { eventually, request } from './http';
import { operatorAuth } from './services';

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
  let last: any;
  try {
    return await eventually(
      async () => {
        last = await getOrder(apiUrl, id);
        return last.status === status ? last : undefined;
      },
      timeoutMs,
      `order ${id} to be ${status}`,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen: ${JSON.stringify({ status: last?.status, subOrders: last?.subOrders, history: last?.history?.map((h: any) => h.reason) })}`);
  }
}
