/**
 * `POST /sync`: a batch of commands from one point-of-sale device (seed 002), applied in
 * the batch's order, one result per command. Each order takes a device's commands exactly
 * once and in the device's sequence (src/domain/orders/device-commands.ts); the update id
 * is derived from the device's command id, so a resent batch gets the same results.
 *
 *   applied   done; `status`, `balanceDue`, and for `create` the server's order id and number
 *   rejected  taken (its number is used) but the order's state did not allow it; `code` says why
 *   refused   not taken; `code` `out_of_order` (send `details.expectedSeq` first), `unknown_order`,
 *             `try_again`…: send it again
 */
import { Router } from 'express';
import { z } from 'zod';
import { parseMoney } from '../../domain/money';
import type { Actor, OrderAction } from '../../domain/orders/actions';
import { requireOperator } from '../auth';
import type { ApiContext } from '../context';
import { ApiError, parseInput } from '../errors';
import { AUTH, documentRoute, jsonBody, jsonResponse, type OpenAPIRegistry } from '../openapi-kit';
import { lineChanges } from '../orders/actions';
import { assertKnownProviders, recordIntake, startWorkflow } from '../orders/routes';
import { DEVICE_KEY_PREFIX } from '../orders/schemas';
import type { OrderRow } from '../orders/views';
import { actionResultView } from '../payments/views';
import { sendAction } from '../workflow-updates';
import { syncRequestSchema, type SyncCommand } from './schemas';

type Result = Record<string, unknown> & { commandId: string; seq: number; type: string; outcome: string };

export function syncRouter(ctx: ApiContext): Router {
  const router = Router();
  router.post('/sync', async (req, res) => {
    requireOperator(ctx, req); // devices are staff-operated and carry a staff token
    const { deviceId, commands } = parseInput(syncRequestSchema, req.body);
    const results: Result[] = [];
    // One after another: a later command may name an order an earlier one created.
    for (const command of commands) results.push(await syncOne(ctx, deviceId, command));
    res.json({ deviceId, results });
  });
  return router;
}

async function syncOne(ctx: ApiContext, deviceId: string, command: SyncCommand): Promise<Result> {
  const head = { commandId: command.commandId, seq: command.seq, type: command.type };
  try {
    if (command.type === 'create') return { ...head, ...(await create(ctx, deviceId, command)) };
    const order = await targetOrder(ctx, deviceId, command);
    const ids = { orderId: order.id, number: Number(order.number) };
    const logged = await ctx.prisma.orderCommand.findUnique({
      where: { orderId_deviceId_commandId: { orderId: order.id, deviceId, commandId: command.commandId } },
    });
    if (logged && logged.seq !== command.seq) {
      throw new ApiError(409, 'sequence_conflict', `command ${command.commandId} was taken as number ${logged.seq}`);
    }
    if (logged) return { ...head, ...ids, ...actionResultView(order.id, logged.result as never) };
    const actor: Actor = { role: 'device', id: deviceId };
    const result = await sendAction(
      ctx,
      order,
      { action: actionOf(command), actor, command: { deviceId, commandId: command.commandId, seq: command.seq } },
      `device:${deviceId}:${command.commandId}`,
    );
    return { ...head, ...ids, ...actionResultView(order.id, result) };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status >= 500 && error.status !== 503) throw error;
    return { ...head, outcome: 'refused', code: error.code, message: error.message, details: error.details ?? null };
  }
}

/** An order created offline: the intake of POST /orders, keyed by the device and its local id. */
async function create(ctx: ApiContext, deviceId: string, command: Extract<SyncCommand, { type: 'create' }>) {
  if (command.seq !== 1) throw new ApiError(409, 'sequence_conflict', 'creating an order is the device\'s command number 1 for it');
  assertKnownProviders(ctx, command.order);
  const { order } = await recordIntake(ctx, command.order, localKey(deviceId, command.localId));
  await startWorkflow(ctx, order, command.order, { deviceId, commandId: command.commandId, localId: command.localId });
  // The answer a creation got the first time, whatever the order's status now.
  return { orderId: order.id, number: Number(order.number), localId: command.localId, outcome: 'applied', status: 'RECEIVED' };
}

async function targetOrder(ctx: ApiContext, deviceId: string, command: Exclude<SyncCommand, { type: 'create' }>): Promise<OrderRow> {
  const order = command.orderId
    ? await ctx.prisma.order.findUnique({ where: { id: command.orderId } })
    : await ctx.prisma.order.findFirst({ where: { idempotencyKey: localKey(deviceId, command.localId!) } }); // unique: a device key
  if (!order) throw new ApiError(409, 'unknown_order', `no order ${command.orderId ?? `with local id ${command.localId}`}: send its creation first`);
  return order;
}

function actionOf(command: Exclude<SyncCommand, { type: 'create' }>): OrderAction {
  switch (command.type) {
    case 'editItems':
      return { type: 'editItems', changes: lineChanges(command.changes) };
    case 'pay': {
      const { transactionId, method, amount, details } = command.payment;
      return { type: 'pay', payment: { kind: 'payment', id: transactionId, method, amount: parseMoney(amount), details } };
    }
    case 'refund': {
      const { transactionId, refundOf, amount, reason } = command.refund;
      return { type: 'refund', refund: { kind: 'refund', id: transactionId, refundOf, amount: parseMoney(amount), reason } };
    }
    case 'close':
      return { type: 'close' };
    case 'delete':
      return { type: 'cancel', reason: command.reason ?? 'deleted on the device' };
  }
}

/** The intake idempotency key of an order a device created offline. */
function localKey(deviceId: string, localId: string): string {
  return `${DEVICE_KEY_PREFIX}${deviceId}:${localId}`;
}

const syncAnswerSchema = z
  .object({ deviceId: z.string(), results: z.array(z.record(z.string(), z.unknown())) })
  .loose()
  .meta({ id: 'SyncResults', description: 'one result per command: applied, rejected (taken) or refused (not taken)' });

export function registerSyncPaths(registry: OpenAPIRegistry): void {
  documentRoute(registry, {
    method: 'post',
    path: '/sync',
    tags: ['payments'],
    summary: 'A batch of commands from an offline point-of-sale device; resending a batch is harmless',
    security: AUTH.operator,
    request: { body: jsonBody(syncRequestSchema) },
    responses: { 200: jsonResponse('one result per command, in order', syncAnswerSchema) },
    errors: [400, 401],
  });
}
