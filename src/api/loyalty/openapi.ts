/** The loyalty API in the OpenAPI document: the Gophermart contract (specs/loyalty-api.md). */
import { z } from 'zod';
import { AUTH, documentRoute, jsonBody, jsonResponse, type OpenAPIRegistry } from '../openapi-kit';
import { credentialsSchema, withdrawSchema } from './schemas';

const orderNumber = z.string().regex(/^\d+$/).meta({ description: 'digits, kept as a string (leading zeros, any length)' });
const loyaltyOrderSchema = z
  .object({
    number: orderNumber,
    status: z.enum(['NEW', 'PROCESSING', 'INVALID', 'PROCESSED']),
    accrual: z.number().optional().meta({ description: 'points, only when PROCESSED' }),
    uploaded_at: z.iso.datetime({ offset: true }),
  })
  .meta({ id: 'LoyaltyOrder' });
const balanceSchema = z.object({ current: z.number(), withdrawn: z.number() }).meta({ id: 'LoyaltyBalance' });
const withdrawalSchema = z
  .object({ order: orderNumber, sum: z.number(), processed_at: z.iso.datetime({ offset: true }) })
  .meta({ id: 'LoyaltyWithdrawal' });
const noContent = { description: 'nothing yet (Content-Type: application/json, empty body)' };

export function registerLoyaltyPaths(registry: OpenAPIRegistry): void {
  const tags = ['loyalty'];
  for (const [path, summary] of [
    ['/api/user/register', 'Register; answers with the token in Authorization and a cookie'],
    ['/api/user/login', 'Log in; answers with the token in Authorization and a cookie'],
  ] as const) {
    documentRoute(registry, {
      method: 'post',
      path,
      tags,
      summary,
      security: AUTH.none,
      request: { body: jsonBody(credentialsSchema) },
      responses: { 200: { description: 'logged in' } },
      errors: path.endsWith('register') ? [400, 409] : [400, 401],
    });
  }
  documentRoute(registry, {
    method: 'post',
    path: '/api/user/orders',
    tags,
    summary: 'Upload a purchase order number (text/plain); its accrual is polled by a workflow',
    security: AUTH.loyaltyUser,
    request: { body: { content: { 'text/plain': { schema: orderNumber } }, required: true } },
    responses: { 202: { description: 'accepted for processing' }, 200: { description: 'already uploaded by you' } },
    errors: [400, 401, 409, 422],
  });
  documentRoute(registry, {
    method: 'get',
    path: '/api/user/orders',
    tags,
    summary: 'Your uploaded orders, newest first',
    security: AUTH.loyaltyUser,
    responses: { 200: jsonResponse('orders', z.array(loyaltyOrderSchema)), 204: noContent },
    errors: [401],
  });
  documentRoute(registry, {
    method: 'get',
    path: '/api/user/balance',
    tags,
    summary: 'Current points and points withdrawn',
    security: AUTH.loyaltyUser,
    responses: { 200: jsonResponse('balance', balanceSchema) },
    errors: [401],
  });
  documentRoute(registry, {
    method: 'post',
    path: '/api/user/balance/withdraw',
    tags,
    summary: 'Pay a new order number with points (atomic: the balance never goes below zero)',
    security: AUTH.loyaltyUser,
    request: { body: jsonBody(withdrawSchema) },
    responses: { 200: { description: 'withdrawn' } },
    errors: [400, 401, 402, 409, 422],
  });
  documentRoute(registry, {
    method: 'get',
    path: '/api/user/withdrawals',
    tags,
    summary: 'Your withdrawals, newest first',
    security: AUTH.loyaltyUser,
    responses: { 200: jsonResponse('withdrawals', z.array(withdrawalSchema)), 204: noContent },
    errors: [401],
  });
}
