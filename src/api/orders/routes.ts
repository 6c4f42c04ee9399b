/** Order intake and queries. */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { Router } from 'express';
import { z } from 'zod';
import { orderWorkflowId } from '../../domain/orders/ids';
import { Prisma } from '../../generated/prisma/client';
import { canonicalJson, sha256 } from '../../infra/canonical-json';
import { orderWorkflow } from '../../workflows';
import { CustomerId, OrderNumber, OrderStatus, Providers } from '../../workflows/search-attributes';
import type { ApiContext } from '../context';
import { ApiError, notFound, parseInput } from '../errors';
import { orderIdSchema, submitOrderSchema, type SubmitOrderRequest } from './schemas';

type OrderRow = Prisma.OrderGetPayload<object>;

const idempotencyKeySchema = z.string().min(1).max(200).optional();

export function ordersRouter(ctx: ApiContext): Router {
  const router = Router();

  router.post('/orders', async (req, res) => {
    const body = parseInput(submitOrderSchema, req.body);
    const key = parseInput(idempotencyKeySchema, req.header('Idempotency-Key') ?? body.clientOrderId, 'Idempotency-Key');
    const { order, replayed } = await recordIntake(ctx, body, key);
    await startWorkflow(ctx, order, body);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(replayed ? 200 : 202).json(orderView(ctx, order));
  });

  router.get('/orders/:id', async (req, res) => {
    const id = parseInput(orderIdSchema, req.params.id, 'order id');
    const order = await ctx.prisma.order.findUnique({ where: { id } });
    if (!order) throw notFound(`order ${id}`);
    res.json(orderView(ctx, order));
  });

  return router;
}

/**
 * Writes the intake row (id and number) before starting the workflow, so a retried
 * request finds the same order. A `2xx` is sent only after Temporal accepted the workflow.
 */
async function recordIntake(ctx: ApiContext, body: SubmitOrderRequest, key: string | undefined) {
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
      },
    });
    return { order, replayed: false };
  } catch (error) {
    if (!(key && error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
    const order = await ctx.prisma.order.findUniqueOrThrow({ where: { idempotencyKey: key } });
    if (order.requestHash !== requestHash) {
      throw new ApiError(409, 'idempotency_conflict', 'this Idempotency-Key was already used with a different request body', {
        orderId: order.id,
      });
    }
    return { order, replayed: true };
  }
}

async function startWorkflow(ctx: ApiContext, order: OrderRow, body: SubmitOrderRequest): Promise<void> {
  try {
    await ctx.temporal.workflow.start(orderWorkflow, {
      workflowId: order.workflowId,
      taskQueue: ctx.taskQueue,
      args: [{ orderId: order.id, number: Number(order.number), customerId: body.customerId, items: body.items }],
      // A repeated start joins the running order; a finished one is never started again.
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: OrderStatus, value: 'RECEIVED' },
        { key: CustomerId, value: body.customerId },
        { key: Providers, value: [...new Set(body.items.map((item) => item.provider))] },
        { key: OrderNumber, value: Number(order.number) },
      ],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

function orderView(ctx: ApiContext, order: OrderRow) {
  const namespace = ctx.temporal.options.namespace;
  return {
    id: order.id,
    number: Number(order.number),
    customerId: order.customerId,
    status: order.status,
    items: (order.request as SubmitOrderRequest).items,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    workflowId: order.workflowId,
    links: {
      temporalUi: `${ctx.temporalUiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(order.workflowId)}`,
    },
  };
}
