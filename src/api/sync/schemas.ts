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

export const syncCommandSchema = z
  .discriminatedUnion('type', [
    z.object({ ...command, type: z.literal('create'), localId: id, order: submitOrderSchema }),
    onOrder('editItems', { changes: editItemsSchema.shape.changes }),
    onOrder('pay', { payment: paymentSchema }),
    onOrder('refund', { refund: refundSchema }),
    onOrder('close', {}),
    onOrder('delete', { reason: text(500).optional() }),
  ])
  .refine((c) => c.type === 'create' || Boolean('orderId' in c && c.orderId) !== Boolean(c.localId), {
    message: 'name the order by orderId or by localId (one of them)',
    path: ['orderId'],
  });

export const syncRequestSchema = z.object({
  deviceId: id,
  commands: z.array(syncCommandSchema).min(1).max(100),
});

export type SyncCommand = z.infer<typeof syncCommandSchema>;
