/** Device sync batches (seed 002): request shapes, validation and types from one zod source. */
import { z } from 'zod';
import { editItemsSchema, orderIdSchema, paymentSchema, refundSchema, submitOrderSchema, text } from '../orders/schemas';

const id = z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'an id (≤ 128 of A-Z a-z 0-9 _ . : @ -)');

/** Every command: the device's id for it, and its number among this device's commands for the order. */
const command = { commandId: id, seq: z.number().int().positive() };
/** The order: its server id, or the device's local id of an order it created offline. */
const target = { orderId: orderIdSchema.optional(), localId: id.optional() };

const onOrder = <const K extends string, T extends z.ZodRawShape>(type: K, shape: T) =>
  z.object({ ...command, ...target, type: z.literal(type), ...shape });

const namesOneOrder = (c: { type: string; orderId?: string | undefined; localId?: string | undefined }) =>
  c.type === 'create' ? Boolean(c.localId) : Boolean(c.orderId) !== Boolean(c.localId);
const oneOrder = { message: 'name the order by orderId or by localId (one of them); a create by its localId', path: ['orderId'] };

export const syncCommandSchema = z
  .discriminatedUnion('type', [
    z.object({ ...command, type: z.literal('create'), localId: id, order: submitOrderSchema }),
    onOrder('editItems', { changes: editItemsSchema.shape.changes }),
    onOrder('pay', { payment: paymentSchema }),
    onOrder('refund', { refund: refundSchema }),
    onOrder('close', {}),
    onOrder('delete', { reason: text(500).optional() }),
  ])
  .refine(namesOneOrder, oneOrder);

/**
 * What identifies a command and its order, checked on its own first: a command whose
 * body is invalid is still numbered and placed, so it can be taken (as rejected) without
 * blocking the device's later commands, or refusing the rest of the batch.
 */
export const commandEnvelopeSchema = z
  .object({ ...command, ...target, type: z.string().min(1).max(40) })
  .refine(namesOneOrder, oneOrder);

/** The device is the one its token names; `deviceId` may repeat it (any other is refused). */
export const syncRequestSchema = z.object({
  deviceId: id.optional().meta({ description: "the token's device; optional, any other id is 403" }),
  commands: z.array(syncCommandSchema).min(1).max(100),
});

/** What the batch is parsed with: each command is validated on its own (see commandEnvelopeSchema). */
export const syncBatchSchema = syncRequestSchema.extend({ commands: z.array(z.unknown()).min(1).max(100) });

export type SyncCommand = z.infer<typeof syncCommandSchema>;
export type CommandEnvelope = z.infer<typeof commandEnvelopeSchema>;
