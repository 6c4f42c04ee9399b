/** Payments, refunds and device sync in tests, over HTTP. */
import { randomUUID } from 'node:crypto';
import { request } from './http';
import { deviceAuth, operatorAuth } from './services';

export const txId = (prefix = 'tx') => `${prefix}-${randomUUID()}`;

export function pay(api: string, orderId: string, method: string, amount: string, transactionId = txId()) {
  return request('POST', `${api}/orders/${orderId}/payments`, { json: { transactionId, method, amount }, headers: operatorAuth });
}

/** `key`: sent as Idempotency-Key. */
export function close(api: string, orderId: string, key?: string) {
  return request('POST', `${api}/orders/${orderId}/close`, { headers: { ...operatorAuth, ...(key ? { 'idempotency-key': key } : {}) } });
}

export function editItems(api: string, orderId: string, changes: unknown[], key?: string) {
  return request('POST', `${api}/orders/${orderId}/items`, { json: { changes }, headers: { ...operatorAuth, ...(key ? { 'idempotency-key': key } : {}) } });
}

export function refund(api: string, orderId: string, refundOf: string, amount: string, transactionId = txId('refund')) {
  return request('POST', `${api}/orders/${orderId}/refunds`, { json: { transactionId, refundOf, amount }, headers: operatorAuth });
}

export async function payments(api: string, orderId: string) {
  const response = await request('GET', `${api}/orders/${orderId}/payments`, { headers: operatorAuth });
  if (response.status !== 200) throw new Error(`GET payments answered ${response.status}`);
  return response.body;
}

/** A batch from `deviceId`, with its own token (test/harness/services.ts DEVICE_TOKENS). */
export function sync(api: string, deviceId: string, commands: unknown[]) {
  return request('POST', `${api}/sync`, { json: { deviceId, commands }, headers: deviceAuth(deviceId) });
}
