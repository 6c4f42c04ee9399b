/**
 * Payments and refunds of an order, recorded by staff (operators, devices): the customer
 * sees the ledger but never records money. Each is the `act` Workflow Update whose update
 * id is derived from the client's transaction id, so a repeat joins or returns the first
 * one and never records a second transaction; the answer is compared with the request, so
 * the same id for another amount or method is a conflict even when both arrive at once.
 * The workflow also remembers the ids in its state (across continue-as-new); only once it has
 * finished does the read model answer.
 */
import { Router } from 'express';
import { z } from 'zod';
import { parseMoney } from '../../domain/money';
import type { Actor } from '../../domain/orders/actions';
import { findRepeat, type Transaction, type TransactionRequest } from '../../domain/payments';
import { requireStaff } from '../auth';
import type { ApiContext } from '../context';
import { ApiError, parseInput } from '../errors';
import { AUTH, documentRoute, jsonBody, jsonResponse, type OpenAPIRegistry } from '../openapi-kit';
import { findOrder, orderPathParams } from '../orders/routes';
import { paymentSchema, refundSchema } from '../orders/schemas';
import type { OrderRow } from '../orders/views';
import { sendAction } from '../workflow-updates';
import { billingView, paymentsView, transactionOf, transactionView } from './views';

export function paymentsRouter(ctx: ApiContext): Router {
  const router = Router();

  const transactionRoute = (path: string, build: (body: unknown) => TransactionRequest) =>
    router.post(path, async (req, res) => {
      const order = await findOrder(ctx, req, {});
      const actor = requireStaff(ctx, req);
      res.json(await applyTransaction(ctx, order, actor, build(req.body)));
    });

  transactionRoute('/orders/:id/payments', (input) => {
    const body = parseInput(paymentSchema, input);
    return { kind: 'payment', id: body.transactionId, method: body.method, amount: parseMoney(body.amount), details: body.details };
  });
  transactionRoute('/orders/:id/refunds', (input) => {
    const body = parseInput(refundSchema, input);
    return { kind: 'refund', id: body.transactionId, refundOf: body.refundOf, amount: parseMoney(body.amount), reason: body.reason };
  });

  router.get('/orders/:id/payments', async (req, res) => {
    const order = await findOrder(ctx, req, { payments: true });
    res.json({ orderId: order.id, status: order.status, ...billingView(order.totalCents, order.payments), payments: paymentsView(order.id, order.payments) });
  });

  return router;
}

/** The update id of a transaction: one per client transaction id and order. */
export function transactionUpdateId(transactionId: string): string {
  return `txn:${transactionId}`;
}

/** Records a payment or refund once; every repeat gets the first answer. */
export async function applyTransaction(ctx: ApiContext, order: OrderRow, actor: Actor, request: TransactionRequest) {
  // The workflow is asked first, always: a `payments` row may come from a workflow task that never
  // committed (a worker killed right after its projection), so only the workflow's word is final while
  // it runs. It remembers every transaction (MAX_TRANSACTIONS), so nothing is recorded twice.
  const action = request.kind === 'payment' ? { type: 'pay' as const, payment: request } : { type: 'refund' as const, refund: request };
  try {
    const result = await sendAction(ctx, order, { action, actor }, transactionUpdateId(request.id));
    // A concurrent request with the same id but another amount gets the first one's outcome from Temporal.
    return answerFor(order.id, result.transaction!, request);
  } catch (error) {
    // The order may have finished since it recorded this transaction: the read model knows.
    if (error instanceof ApiError && error.code === 'order_closed') return (await recordedTransaction(ctx, order.id, request)) ?? Promise.reject(error);
    throw error;
  }
}

async function recordedTransaction(ctx: ApiContext, orderId: string, request: TransactionRequest) {
  const row = await ctx.prisma.payment.findUnique({ where: { orderId_transactionId: { orderId, transactionId: request.id } } });
  return row ? answerFor(orderId, transactionOf(row), request) : undefined;
}

/** The recorded transaction as the answer to `request`, or 409 when the request asks for something else. */
function answerFor(orderId: string, transaction: Transaction, request: TransactionRequest) {
  const repeat = findRepeat([transaction], request);
  if (repeat.kind === 'conflict') throw new ApiError(409, 'idempotency_conflict', repeat.reason, { transactionId: request.id });
  return transactionView(orderId, transaction);
}

// Response shapes are built by ./views.ts; documented here by their fields.
const transactionAnswerSchema = z
  .object({ orderId: z.uuid(), status: z.string(), balanceDue: z.string(), transaction: z.record(z.string(), z.unknown()) })
  .loose()
  .meta({ id: 'TransactionAnswer' });
const paymentsListSchema = z
  .object({ total: z.string(), paid: z.string(), refunded: z.string(), balanceDue: z.string(), payments: z.array(z.record(z.string(), z.unknown())) })
  .loose()
  .meta({ id: 'Payments' });

export function registerPaymentPaths(registry: OpenAPIRegistry): void {
  const common = { tags: ['payments'], security: AUTH.staff, errors: [400, 401, 403, 404, 409, 503] };
  documentRoute(registry, {
    ...common,
    method: 'post',
    path: '/orders/:id/payments',
    summary: 'Record a payment (staff only); the transaction id makes it safe to repeat (same answer, one payment)',
    request: { params: orderPathParams, body: jsonBody(paymentSchema) },
    responses: { 200: jsonResponse('the payment and the balance it left', transactionAnswerSchema) },
  });
  documentRoute(registry, {
    ...common,
    method: 'post',
    path: '/orders/:id/refunds',
    summary: 'Refund (part of) a payment, by its method (staff only); idempotent by transaction id',
    request: { params: orderPathParams, body: jsonBody(refundSchema) },
    responses: { 200: jsonResponse('the refund and the balance it left', transactionAnswerSchema) },
  });
  documentRoute(registry, {
    ...common,
    security: AUTH.staffOrCustomer,
    method: 'get',
    path: '/orders/:id/payments',
    summary: 'Payments and refunds with the balance due',
    request: { params: orderPathParams },
    responses: { 200: jsonResponse('the ledger', paymentsListSchema) },
  });
}
