/** Request shapes of the orders API: validation and types from one zod source. */
import { z } from 'zod';
import { isMoneyString } from '../../domain/money';
import { ORDER_STATUSES } from '../../domain/orders/status';

const money = z
  .string()
  .refine(isMoneyString, 'an amount as a decimal string with at most two decimals, e.g. "12.50"');

const text = (max: number) => z.string().trim().min(1).max(max);

export const orderItemSchema = z.object({
  provider: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a provider name'),
  sku: text(100),
  quantity: z.number().int().positive().max(10_000),
  /** Omit (or null) when the provider should quote it. */
  unitPrice: money.nullish(),
});

export const deliverySchema = z.object({
  address: text(500),
  contactName: text(200).optional(),
  contactPhone: z.string().regex(/^\+?[0-9 ()-]{5,30}$/, 'a phone number').optional(),
  notes: z.string().max(1000).optional(),
});

export const submitOrderSchema = z
  .object({
    customerId: text(200),
    items: z.array(orderItemSchema).min(1).max(200),
    delivery: deliverySchema,
    /** Providers may start work only after consumables are issued (POST /orders/:id/gate/open). */
    requiresGate: z.boolean().default(false),
    clientOrderId: text(200).optional(),
  })
  .refine(
    (order) => new Set(order.items.map((i) => `${i.provider}\u0000${i.sku}`)).size === order.items.length,
    { message: 'each (provider, sku) may appear once; use quantity', path: ['items'] },
  );

export type SubmitOrderRequest = z.infer<typeof submitOrderSchema>;

export const orderIdSchema = z.uuid();

export const listOrdersQuerySchema = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  customerId: text(200).optional(),
  provider: text(63).optional(),
  createdFrom: z.iso.datetime({ offset: true }).optional(),
  createdTo: z.iso.datetime({ offset: true }).optional(),
  /** `true`: only orders stuck by src/domain/orders/stuck.ts; `false`: only those that are not. */
  stuck: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  /** Opaque: the `nextCursor` of the previous page. */
  cursor: z.string().regex(/^\d{1,18}$/, 'a cursor from a previous page').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const reasonSchema = z.object({ reason: text(500) });
export const optionalReasonSchema = z.object({ reason: text(500).optional() }).default({});

export const idempotencyKeySchema = text(200).optional();
