/** Order intake and queries. */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { parseMoney } from '../../domain/money';
import { orderWorkflowId } from '../../domain/orders/ids';
import { stuckCutoffs } from '../../domain/orders/stuck';
import { Prisma } from '../../generated/prisma/client';
import { canonicalJson, sha256 } from '../../infra/canonical-json';
import { orderWorkflow } from '../../workflows';
import type { DeviceOrigin, OrderWorkflowInput } from '../../workflows/orders/types';
import { CustomerId, OrderNumber, OrderStatus, Providers } from '../../workflows/search-attributes';
import { operatorOf, operatorOrOwner } from '../auth';
import type { ApiContext } from '../context';
import { ApiError, notFound, parseInput } from '../errors';
import { addRequestLogFields } from '../observability';
import { withinUpdateDeadline } from '../workflow-updates';
import { AUTH, documentRoute, jsonBody, jsonResponse, type OpenAPIRegistry } from '../openapi-kit';
import {
  idempotencyKeySchema,
  listOrdersQuerySchema,
  orderDetailSchema,
  orderHistorySchema,
  orderIdSchema,
  orderListSchema,
  orderSummarySchema,
  submitOrderSchema,
  type OrderHistory,
  type OrderList,
  type SubmitOrderRequest,
} from './schemas';
import { orderLoyalty } from './loyalty';
import { historyEntry, orderDetail, orderSummary, type OrderRow } from './views';

export function ordersRouter(ctx: ApiContext): Router {
  const router = Router();

  router.post('/orders', async (req, res) => {
    const body = parseInput(submitOrderSchema, req.body);
    const key = intakeKey(req.header('Idempotency-Key'), body.clientOrderId);
    assertKnownProviders(ctx, body);
    const { order, replayed } = await recordIntake(ctx, body, key);
    addRequestLogFields(req, res, { orderId: order.id });
    await startOrWithdraw(ctx, order, body, key);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(replayed ? 200 : 202).json(orderSummary(ctx, order));
  });

  router.get('/orders', async (req, res) => {
    const query = parseInput(listOrdersQuerySchema, req.query, 'query');
    // Customers see only their own orders; operators see and filter all.
    const customerId = operatorOf(ctx, req) ? query.customerId : customerOf(req);
    const stuck = stuckCutoffs(new Date(), ctx.queuePolicy.stuck).map(({ status, updatedBefore }) => ({ status, updatedAt: { lte: updatedBefore } }));
    const rows = await ctx.prisma.order.findMany({
      where: {
        ...(query.status ? { status: query.status } : {}),
        ...(query.stuck === true ? { AND: [{ OR: stuck }] } : query.stuck === false ? { NOT: { OR: stuck } } : {}),
        ...(customerId ? { customerId } : {}),
        ...(query.provider
          ? { OR: [{ items: { some: { provider: query.provider } } }, { subOrders: { some: { provider: query.provider } } }] }
          : {}),
        ...(query.createdFrom || query.createdTo
          ? { createdAt: { ...(query.createdFrom ? { gte: new Date(query.createdFrom) } : {}), ...(query.createdTo ? { lt: new Date(query.createdTo) } : {}) } }
          : {}),
        ...(query.cursor ? { number: { lt: BigInt(query.cursor) } } : {}),
      },
      orderBy: { number: 'desc' },
      take: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const list: OrderList = {
      orders: page.map((order) => orderSummary(ctx, order)),
      nextCursor: rows.length > query.limit ? String(page.at(-1)!.number) : null,
    };
    res.json(list);
  });

  router.get('/orders/:id', async (req, res) => {
    const order = await findOrder(ctx, req, { items: true, subOrders: true, history: true, payments: true, commands: true });
    res.json(orderDetail(ctx, order, await orderLoyalty(ctx.prisma, order)));
  });

  router.get('/orders/:id/history', async (req, res) => {
    const order = await findOrder(ctx, req, { history: { orderBy: { seq: 'asc' } } });
    const view: OrderHistory = { orderId: order.id, status: orderSummary(ctx, order).status, history: order.history.map(historyEntry) };
    res.json(view);
  });

  return router;
}

export const orderPathParams = z.object({ id: orderIdSchema });

export function registerOrderPaths(registry: OpenAPIRegistry): void {
  documentRoute(registry, {
    method: 'post',
    path: '/orders',
    tags: ['orders'],
    summary: 'Submit an order',
    description:
      'A 2xx means Temporal durably accepted the order\'s workflow. Repeating with the same `Idempotency-Key` (or `clientOrderId`) ' +
      'is safe; keys are per customer. Both given and different: `422 idempotency_key_mismatch`. Without a key, an order whose ' +
      'workflow could not be started is withdrawn (`503 order_not_accepted`): nothing is kept, submit it again.',
    security: AUTH.none,
    request: { headers: z.object({ 'idempotency-key': idempotencyKeySchema }), body: jsonBody(submitOrderSchema) },
    responses: {
      202: jsonResponse('accepted: a new order', orderSummarySchema),
      200: jsonResponse('the same key and body again (`Idempotent-Replayed: true`): the same order', orderSummarySchema),
    },
    errors: [400, 409, 422, 503],
  });
  documentRoute(registry, {
    method: 'get',
    path: '/orders',
    tags: ['orders'],
    summary: 'List orders, newest first',
    description: 'Operators see all orders and may filter by `customerId`; a customer sees only their own (`customerId` is ignored).',
    security: AUTH.operatorOrCustomer,
    request: { query: listOrdersQuerySchema },
    responses: { 200: jsonResponse('a page of orders', orderListSchema) },
    errors: [400, 401],
  });
  documentRoute(registry, {
    method: 'get',
    path: '/orders/:id',
    tags: ['orders'],
    summary: 'One order: status, items, sub-orders, history',
    security: AUTH.operatorOrCustomer,
    request: { params: orderPathParams },
    responses: { 200: jsonResponse('the order', orderDetailSchema) },
    errors: [400, 401, 403, 404],
  });
  documentRoute(registry, {
    method: 'get',
    path: '/orders/:id/history',
    tags: ['orders'],
    summary: "An order's transitions and actions",
    security: AUTH.operatorOrCustomer,
    request: { params: orderPathParams },
    responses: { 200: jsonResponse('the history, oldest first', orderHistorySchema) },
    errors: [400, 401, 403, 404],
  });
}

function customerOf(req: Request): string {
  const customer = req.header('x-customer-id');
  if (!customer) throw new ApiError(401, 'unauthorized', 'identify as the customer (X-Customer-Id) or an operator');
  return customer;
}

/** The order named by `:id`, if the caller may see it (its customer or an operator). */
export async function findOrder<I extends Prisma.OrderInclude>(ctx: ApiContext, req: Request, include: I) {
  const id = parseInput(orderIdSchema, req.params.id, 'order id');
  // One snapshot: Prisma reads the included relations with separate queries, which could
  // otherwise see the order row after a projection committed and its history before it.
  const order = await ctx.prisma.$transaction((tx) => tx.order.findUnique({ where: { id }, include }), {
    isolationLevel: 'RepeatableRead',
  });
  if (!order) throw notFound(`order ${id}`);
  operatorOrOwner(ctx, req, order.customerId);
  return order;
}

export function assertKnownProviders(ctx: ApiContext, body: SubmitOrderRequest): void {
  const fields = body.items
    .map((item, index) => ({ item, index }))
    .filter(({ item }) => !ctx.providers.has(item.provider))
    .map(({ item, index }) => ({ path: `items.${index}.provider`, message: `unknown provider "${item.provider}"` }));
  if (fields.length) throw new ApiError(400, 'validation_failed', 'invalid request body', { fields });
}

/**
 * The request's idempotency key: the `Idempotency-Key` header or `clientOrderId`. Both may be
 * sent only with the same value; a disagreement is refused, not silently resolved, because
 * each could be the one the client retries with.
 */
function intakeKey(header: string | undefined, clientOrderId: string | undefined): string | undefined {
  const key = parseInput(z.object({ 'Idempotency-Key': idempotencyKeySchema }), { 'Idempotency-Key': header }, 'headers')['Idempotency-Key'];
  if (key !== undefined && clientOrderId !== undefined && key !== clientOrderId) {
    throw new ApiError(422, 'idempotency_key_mismatch', 'the Idempotency-Key header and clientOrderId differ; send one of them, or the same value in both', {
      idempotencyKey: key,
      clientOrderId,
    });
  }
  return key ?? clientOrderId;
}

/**
 * Writes the intake row (id and number) before starting the workflow, so a retried
 * request finds the same order. A `2xx` is sent only after Temporal accepted the workflow.
 * Keys are the customer's own: another customer's use of the same key neither conflicts
 * nor learns anything about this order.
 */
export async function recordIntake(ctx: ApiContext, body: SubmitOrderRequest, key: string | undefined) {
  const requestHash = sha256(canonicalJson(body));
  const id = randomUUID();
  try {
    const order = await ctx.prisma.order.create({
      data: {
        id,
        workflowId: orderWorkflowId(id),
        customerId: body.customerId,
        status: 'RECEIVED',
        idempotencyKey: key ?? null,
        requestHash,
        request: body,
        gateRequired: body.requiresGate,
        items: {
          create: body.items.map((item, index) => ({
            lineNo: index + 1,
            provider: item.provider,
            sku: item.sku,
            quantity: item.quantity,
            unitPriceCents: item.unitPrice ? BigInt(parseMoney(item.unitPrice)) : null,
          })),
        },
      },
    });
    return { order, replayed: false };
  } catch (error) {
    if (!(key && error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
    const order = await ctx.prisma.order.findUnique({ where: { customerId_idempotencyKey: { customerId: body.customerId, idempotencyKey: key } } });
    // No row of this customer's: a device key another customer's order holds (unique across customers).
    if (!order || order.requestHash !== requestHash) {
      throw new ApiError(409, 'idempotency_conflict', 'this Idempotency-Key was already used for another request');
    }
    return { order, replayed: true };
  }
}

/**
 * Starts the order's workflow once its intake row is written. If the start fails, a caller
 * with a key keeps the row: their retry (same key) finds it and starts that same workflow.
 * Without a key nobody can come back for the row, so it is withdrawn and the caller told
 * nothing was kept — unless Temporal shows the start went through and only its answer was
 * lost: then the order stands and is answered as accepted. A row withdrawn under a start that
 * lands later is not lost either: the workflow keeps retrying its projection, and the
 * reconciler re-creates a running workflow's missing row from the workflow's state.
 */
async function startOrWithdraw(ctx: ApiContext, order: OrderRow, body: SubmitOrderRequest, key: string | undefined): Promise<void> {
  try {
    await startWorkflow(ctx, order, body);
  } catch (error) {
    if (key !== undefined) throw error;
    if (await workflowExists(ctx, order.workflowId)) return;
    // Only the untouched intake row: a projection written meanwhile means the workflow runs.
    await ctx.prisma.order.deleteMany({ where: { id: order.id, status: 'RECEIVED', version: 0 } });
    ctx.logger.warn({ err: error, orderId: order.id }, 'order workflow could not be started; intake row withdrawn');
    throw new ApiError(503, 'order_not_accepted', 'the order could not be accepted and nothing was kept; submit it again (with an Idempotency-Key, repeats are safe)', {
      retryAfterSeconds: 2,
    });
  }
}

/** Whether Temporal knows the workflow; false also when it cannot say (it is unreachable). */
async function workflowExists(ctx: ApiContext, workflowId: string): Promise<boolean> {
  try {
    await withinUpdateDeadline(ctx, () => ctx.temporal.workflow.getHandle(workflowId).describe());
    return true;
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) ctx.logger.warn({ err: error, workflowId }, 'could not ask Temporal whether the order workflow started');
    return false;
  }
}

function workflowInput(ctx: ApiContext, order: OrderRow, body: SubmitOrderRequest, origin?: DeviceOrigin): OrderWorkflowInput {
  return {
    orderId: order.id,
    number: Number(order.number),
    customerId: body.customerId,
    items: body.items.map((item) => ({
      provider: item.provider,
      sku: item.sku,
      quantity: item.quantity,
      unitPrice: item.unitPrice ? parseMoney(item.unitPrice) : undefined,
    })),
    delivery: body.delivery,
    requiresGate: body.requiresGate,
    deadlineAt: new Date(order.createdAt.getTime() + ctx.orderPolicy.deadlineMs).toISOString(),
    confirmationTimeoutMs: ctx.orderPolicy.confirmationTimeoutMs,
    historyEventLimit: ctx.orderPolicy.historyEventLimit,
    ...(origin ? { origin } : {}),
  };
}

export async function startWorkflow(ctx: ApiContext, order: OrderRow, body: SubmitOrderRequest, origin?: DeviceOrigin): Promise<void> {
  try {
    await withinUpdateDeadline(ctx, () => ctx.temporal.workflow.start(orderWorkflow, {
      workflowId: order.workflowId,
      taskQueue: ctx.taskQueue,
      args: [workflowInput(ctx, order, body, origin)],
      // A repeated start joins the running order; a finished one is never started again.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: OrderStatus, value: 'RECEIVED' },
        { key: CustomerId, value: body.customerId },
        { key: Providers, value: [...new Set(body.items.map((item) => item.provider))].sort() },
        { key: OrderNumber, value: Number(order.number) },
      ],
    }));
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
