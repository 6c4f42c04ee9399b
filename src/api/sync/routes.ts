/**
 * `POST /sync`: a batch of commands from one point-of-sale device (seed 002), applied in
 * the batch's order, one result per command. The device is the one its token names
 * (DEVICE_TOKENS). Each order takes a device's commands exactly once and in the device's
 * sequence (src/domain/orders/device-commands.ts); the update id is derived from the
 * device's command id, so a resent batch gets the same results.
 *
 *   applied   done; `status`, `balanceDue`, and for `create` the server's order id and number
 *   rejected  taken (its number is used) but not done: the order's state did not allow it, the
 *             order had finished (`order_closed`), or its body was invalid (`validation_failed`)
 *   refused   not taken; `code` `out_of_order` (send `details.expectedSeq` first), `unknown_order`,
 *             `try_again`…: send it again. Also a command that cannot be numbered or placed
 *             (`validation_failed` of its commandId, seq, type or order) and an invalid `create`.
 *
 * Each command is validated on its own, so one bad command never refuses the rest of the batch.
 */
import { Router } from 'express';
import { z } from 'zod';
import { balanceDue } from '../../domain/payments';
import { parseMoney } from '../../domain/money';
import { checkAction, commandType, type Actor, type OrderAction } from '../../domain/orders/actions';
import { checkSequence, type CommandLogEntry, type CommandRef } from '../../domain/orders/device-commands';
import { isFinal, type OrderStatus } from '../../domain/orders/status';
import { Prisma } from '../../generated/prisma/client';
import { canonicalJson, sha256 } from '../../infra/canonical-json';
import type { ActionRequest, ActionResult } from '../../workflows/orders/types';
import { requireDevice } from '../auth';
import type { ApiContext } from '../context';
import { ApiError, fieldErrors, parseInput } from '../errors';
import { AUTH, documentRoute, jsonBody, jsonResponse, type OpenAPIRegistry } from '../openapi-kit';
import { lineChanges } from '../orders/actions';
import { assertKnownProviders, recordIntake, startWorkflow } from '../orders/routes';
import { DEVICE_KEY_PREFIX } from '../orders/schemas';
import type { OrderRow } from '../orders/views';
import { actionResultView, transactionOf } from '../payments/views';
import { sendAction } from '../workflow-updates';
import { commandEnvelopeSchema, syncBatchSchema, syncCommandSchema, syncRequestSchema, type CommandEnvelope, type SyncCommand } from './schemas';

type Result = Record<string, unknown> & { commandId: unknown; seq: unknown; type: unknown; outcome: string };
type OnOrder = Exclude<SyncCommand, { type: 'create' }>;

export function syncRouter(ctx: ApiContext): Router {
  const router = Router();
  router.post('/sync', async (req, res) => {
    const device = requireDevice(ctx, req);
    const batch = parseInput(syncBatchSchema, req.body);
    if (batch.deviceId !== undefined && batch.deviceId !== device.id) {
      throw new ApiError(403, 'forbidden', `this token is device ${device.id}'s: it cannot send commands as ${batch.deviceId}`);
    }
    const results: Result[] = [];
    // One after another: a later command may name an order an earlier one created.
    for (const command of batch.commands) results.push(await syncOne(ctx, device, command));
    res.json({ deviceId: device.id, results });
  });
  return router;
}

async function syncOne(ctx: ApiContext, device: Actor, raw: unknown): Promise<Result> {
  const head = headOf(raw);
  try {
    const envelope = commandEnvelopeSchema.safeParse(raw);
    if (!envelope.success) throw invalid('command', envelope.error);
    const parsed = syncCommandSchema.safeParse(raw);
    if (envelope.data.type === 'create') {
      if (!parsed.success || parsed.data.type !== 'create') throw invalid('create command', parsed.error);
      return { ...head, ...(await create(ctx, device.id, parsed.data)) };
    }
    const order = await targetOrder(ctx, device.id, envelope.data);
    const ids = { orderId: order.id, number: Number(order.number) };
    const command: CommandRef = { deviceId: device.id, commandId: envelope.data.commandId, seq: envelope.data.seq, fingerprint: sha256(canonicalJson(raw)) };
    const action = parsed.success && parsed.data.type !== 'create' ? actionOf(parsed.data) : invalidAction(envelope.data, parsed.error);
    const result = await takeCommand(ctx, order, { action, actor: device, command });
    return { ...head, ...ids, ...actionResultView(order.id, result) };
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status >= 500 && error.status !== 503)) throw error;
    return { ...head, outcome: 'refused', code: error.code, message: error.message, details: error.details ?? null };
  }
}

/** The command as the device named it, for its result (whatever it sent). */
function headOf(raw: unknown) {
  const field = (name: string) => {
    const value = (raw as Record<string, unknown> | null)?.[name];
    return typeof value === 'string' ? value.slice(0, 128) : typeof value === 'number' ? value : null;
  };
  return { commandId: field('commandId'), seq: field('seq'), type: field('type') };
}

function invalid(what: string, error: z.ZodError | undefined): ApiError {
  return new ApiError(400, 'validation_failed', `invalid ${what}`, { fields: error ? fieldErrors(error) : [] });
}

/** A command with a valid number and order but an invalid body: taken, as rejected `validation_failed`. */
function invalidAction(envelope: CommandEnvelope, error: z.ZodError | undefined): OrderAction {
  return { type: 'invalid', command: envelope.type, reason: `invalid ${envelope.type} command`, fields: error ? fieldErrors(error).slice(0, 10) : [] };
}

/** Sends the command to the order's workflow; a finished order takes it here (rejected `order_closed`). */
async function takeCommand(ctx: ApiContext, order: OrderRow, request: ActionRequest & { command: CommandRef }): Promise<ActionResult> {
  const { deviceId, commandId, fingerprint } = request.command;
  try {
    // The running workflow is asked first, always: a read-model row may come from a workflow task that
    // never committed (a worker killed after its projection), so only the workflow's word is final.
    const result = await sendAction(ctx, order, request, `device:${deviceId}:${commandId}`);
    // Temporal answers a concurrent command with the same id by the first one's outcome, whatever it asked.
    if (result.fingerprint && result.fingerprint !== fingerprint) throw commandConflict(commandId);
    return result;
  } catch (error) {
    if (error instanceof ApiError && error.code === 'order_closed') return takeOnFinishedOrder(ctx, order.id, request);
    // The workflow's log is bounded: a command it no longer remembers (long since committed) is in the read model.
    if (error instanceof ApiError && error.code === 'sequence_conflict') return (await forgottenCommand(ctx, order.id, request.command)) ?? Promise.reject(error);
    throw error;
  }
}

/** A command the workflow took long ago and forgot: its logged result, if this is a repeat of it. */
async function forgottenCommand(ctx: ApiContext, orderId: string, command: CommandRef): Promise<ActionResult | undefined> {
  const logged = await loggedCommands(ctx, orderId, command.deviceId, command.commandId);
  if (!logged.length) return undefined;
  const repeat = checkSequence(0, logged, command);
  if (repeat.kind === 'refused') throw new ApiError(409, repeat.code, repeat.reason);
  return repeat.kind === 'repeat' ? repeat.entry.result : undefined;
}

/**
 * The order's workflow has finished, so it cannot take the command: the API takes it, by the
 * same rules (the device's sequence, checkAction on the final order) and logs it in
 * `order_commands`. The device gets `rejected order_closed` and moves on, whether the order
 * finished a moment ago or long before — never a `refused` it would resend forever.
 */
async function takeOnFinishedOrder(ctx: ApiContext, orderId: string, request: ActionRequest & { command: CommandRef }): Promise<ActionResult> {
  const { action, actor, command } = request;
  const order = await ctx.prisma.order.findUniqueOrThrow({ where: { id: orderId }, include: { payments: true } });
  const status = order.status as OrderStatus;
  // Not started yet (the reconciler starts it): nothing to judge against.
  if (!isFinal(status)) throw new ApiError(503, 'try_again', 'the order is not running yet; send it again', { retryAfterSeconds: 1 });
  const log = await loggedCommands(ctx, orderId, command.deviceId);
  const sequence = checkSequence(Math.max(0, ...log.map((entry) => entry.seq)), log, command);
  if (sequence.kind === 'repeat') return sequence.entry.result;
  if (sequence.kind === 'refused') throw new ApiError(409, sequence.code, sequence.reason, { expectedSeq: sequence.expectedSeq });
  const transactions = order.payments.map(transactionOf);
  const total = Number(order.totalCents ?? 0n);
  // A final order refuses everything but the repeat of a recorded payment; lines and sub-orders do not matter.
  const context = { status, gateRequired: order.gateRequired, gateOpen: false, subOrders: [], total, lines: [], adjustments: 0, transactions };
  const verdict = checkAction(context, action, actor);
  const money = action.type === 'pay' ? action.payment : action.type === 'refund' ? action.refund : undefined;
  const repeated = verdict.ok && money ? transactions.find((tx) => tx.id === money.id) : undefined;
  const result: ActionResult = repeated
    ? { status, balanceDue: repeated.balanceDueAfter, transaction: repeated, outcome: 'applied', fingerprint: command.fingerprint }
    : {
        status,
        balanceDue: balanceDue(total, transactions),
        outcome: 'rejected',
        ...(verdict.ok ? { code: 'order_closed', reason: `the order is already ${status}` } : { code: verdict.code, reason: verdict.reason, details: verdict.details }),
        fingerprint: command.fingerprint,
      };
  try {
    await ctx.prisma.orderCommand.create({
      data: { orderId, ...commandKey(command), type: commandType(action), outcome: result.outcome!, result: result as object, at: new Date() },
    });
  } catch (error) {
    // Another request took this command or this number first: judge again against what it logged.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return takeOnFinishedOrder(ctx, orderId, request);
    throw error;
  }
  return result;
}

function commandKey({ deviceId, commandId, seq }: CommandRef) {
  return { deviceId, commandId, seq };
}

/** The read model's log of a device's commands on an order (all of them, or one command). */
async function loggedCommands(ctx: ApiContext, orderId: string, deviceId: string, commandId?: string): Promise<CommandLogEntry<ActionResult>[]> {
  const rows = await ctx.prisma.orderCommand.findMany({ where: { orderId, deviceId, ...(commandId ? { commandId } : {}) } });
  return rows.map((row) => {
    const result = row.result as unknown as ActionResult;
    return { deviceId, commandId: row.commandId, seq: row.seq, fingerprint: result.fingerprint, type: row.type, outcome: row.outcome as CommandLogEntry['outcome'], result, at: row.at.toISOString() };
  });
}

function commandConflict(commandId: string): ApiError {
  return new ApiError(409, 'idempotency_conflict', `command ${commandId} was already taken with a different content`);
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

async function targetOrder(ctx: ApiContext, deviceId: string, command: CommandEnvelope): Promise<OrderRow> {
  const order = command.orderId
    ? await ctx.prisma.order.findUnique({ where: { id: command.orderId } })
    : await ctx.prisma.order.findFirst({ where: { idempotencyKey: localKey(deviceId, command.localId!) } }); // unique: a device key
  if (!order) throw new ApiError(409, 'unknown_order', `no order ${command.orderId ?? `with local id ${command.localId}`}: send its creation first`);
  return order;
}

function actionOf(command: OnOrder): OrderAction {
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
    summary: 'A batch of commands from an offline point-of-sale device, as the device its token names; resending a batch is harmless',
    description: 'Each command is validated on its own: an invalid one gets its own result (see the README), the rest are applied.',
    security: AUTH.device,
    request: { body: jsonBody(syncRequestSchema) },
    responses: { 200: jsonResponse('one result per command, in order', syncAnswerSchema) },
    errors: [400, 401, 403],
  });
}
