/** Payments, refunds and device sync in tests, over HTTP. */
import { randomUUID } from 'node:crypto';
import { request } from './http';
import { operatorAuth } from './services';

export const txId = (prefix = 'tx') => `${prefix}-${randomUUID()}`;

export function pay(api: string, orderId: string, method: string, amount: string, transactionId = txId()) {
  return request('POST', `${api}/orders/${orderId}/payments`, { json: { transactionId, method, amount }, headers: operatorAuth });
}

export function close(api: string, orderId: string) {
  return request('POST', `${api}/orders/${orderId}/close`, { headers: operatorAuth });
}

export function editItems(api: string, orderId: string, changes: unknown[]) {
  return request('POST', `${api}/orders/${orderId}/items`, { json: { changes }, headers: operatorAuth });
}

export async function payments(api: string, orderId: string) {
  const response = await request('GET', `${api}/orders/${orderId}/payments`, { headers: operatorAuth });
  if (response.status !== 200) throw new Error(`GET payments answered ${response.status}`);
  return response.body;
}

export function sync(api: string, deviceId: string, commands: unknown[]) {
  return request('POST', `${api}/sync`, { json: { deviceId, commands }, headers: operatorAuth });
}
