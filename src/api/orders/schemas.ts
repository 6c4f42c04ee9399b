/** Request shapes of the orders API: validation and types from one zod source. */
import { z } from 'zod';
import { LOYALTY_STATUSES } from '../../domain/loyalty/status';
import { formatMoney, isMoneyString, MAX_AMOUNT_CENTS, MONEY_PATTERN, parseMoney } from '../../domain/money';
import { MAX_QUANTITY_CHANGE } from '../../domain/orders/bill';
import { ORDER_STATUSES } from '../../domain/orders/status';
import { detailsProblem, PAYMENT_METHODS } from '../../domain/payments';

export const money = z
  .string()
  .regex(MONEY_PATTERN, 'an amount as a decimal string with at most two decimals, e.g. "12.50"')
  // zod runs every check, also after the pattern failed: parse only what matched.
  .refine((amount) => !isMoneyString(amount) || parseMoney(amount) <= MAX_AMOUNT_CENTS, `at most ${formatMoney(MAX_AMOUNT_CENTS)}`)
  .meta({ example: '12.50', description: `a decimal string with at most two decimals, at most ${formatMoney(MAX_AMOUNT_CENTS)}` });

export const text = (max: number) => z.string().trim().min(1).max(max);

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

/**
 * Keys a point-of-sale device gives the orders it creates offline (POST /sync): unique across
 * customers, so clients may not send one (see prisma/migrations/*_idempotency_per_customer).
 */
export const DEVICE_KEY_PREFIX = 'device:';

/** A client's idempotency key (`Idempotency-Key` or `clientOrderId`), unique per customer. */
export const clientKeySchema = text(200).refine((key) => !key.startsWith(DEVICE_KEY_PREFIX), `keys starting with "${DEVICE_KEY_PREFIX}" are reserved for point-of-sale devices`);

export const submitOrderSchema = z
  .object({
    customerId: text(200),
    items: z.array(orderItemSchema).min(1).max(200),
    delivery: deliverySchema,
    /** Providers may start work only after consumables are issued (POST /orders/:id/gate/open). */
    requiresGate: z.boolean().default(false),
    /** The client's key for this order; the same as `Idempotency-Key` when both are sent. */
    clientOrderId: clientKeySchema.optional(),
  })
  .refine(
    (order) => new Set(order.items.map((i) => `${i.provider}\u0000${i.sku}`)).size === order.items.length,
    { message: 'each (provider, sku) may appear once; use quantity', path: ['items'] },
  )
  .meta({ id: 'SubmitOrder' });

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

export const idempotencyKeySchema = clientKeySchema.optional();

/** A bill edit: quantity deltas (negative removes); a line not on the bill needs its unit price. */
export const lineChangeSchema = z.object({
  provider: orderItemSchema.shape.provider,
  sku: text(100),
  quantity: z.number().int().min(-MAX_QUANTITY_CHANGE).max(MAX_QUANTITY_CHANGE).refine((q) => q !== 0, 'a non-zero change'),
  unitPrice: money.optional(),
});
export const editItemsSchema = z.object({ changes: z.array(lineChangeSchema).min(1).max(200) });

/** The client's transaction id: generated once per payment on the device, repeated on every retry. */
export const transactionIdSchema = z.string().regex(/^[A-Za-z0-9_.:@-]{1,128}$/, 'a transaction id (≤ 128 of A-Z a-z 0-9 _ . : @ -)');

const positiveMoney = money.refine((amount) => !/^0(\.0{1,2})?$/.test(amount), 'a positive amount');

export const paymentSchema = z.object({
  transactionId: transactionIdSchema,
  method: z.enum(PAYMENT_METHODS),
  amount: positiveMoney,
  /** Method-specific: terminal id and card's last four, gift card number, voucher code… stored as given. */
  details: z
    .record(z.string().max(64), z.union([z.string().max(200), z.number(), z.boolean()]))
    .optional()
    .superRefine((details, ctx) => {
      const problem = detailsProblem(details);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});

export const refundSchema = z.object({
  transactionId: transactionIdSchema,
  /** The payment (its transaction id) this refund returns. */
  refundOf: transactionIdSchema,
  amount: positiveMoney,
  reason: text(500).optional(),
});

// Response shapes: views.ts builds values of exactly these types, and the OpenAPI document shows them.

const moneyOut = z.string().nullable().meta({ description: 'decimal string, e.g. "12.50"; null until known' });
const timestamp = z.iso.datetime({ offset: true });

export const orderSummarySchema = z
  .object({
    id: z.uuid(),
    number: z.number().int(),
    customerId: z.string(),
    status: z.enum(ORDER_STATUSES),
    total: moneyOut,
    outcomeReason: z.string().nullable(),
    gate: z.enum(['none', 'closed', 'open']),
    createdAt: timestamp,
    updatedAt: timestamp,
    stuck: z.boolean().meta({ description: 'no update for longer than its status allows (STUCK_AFTER_SECONDS)' }),
    workflowId: z.string(),
    links: z.object({ temporalUi: z.url() }),
  })
  .meta({ id: 'OrderSummary' });

export const historyEntrySchema = z
  .object({
    seq: z.number().int(),
    at: timestamp,
    kind: z.string(),
    actor: z.string(),
    fromStatus: z.string().nullable(),
    toStatus: z.string().nullable(),
    reason: z.string().nullable(),
    details: z.unknown(),
  })
  .meta({ id: 'HistoryEntry' });

export const orderDetailSchema = orderSummarySchema
  .extend({
    delivery: deliverySchema,
    items: z.array(z.object({ provider: z.string(), sku: z.string(), quantity: z.number().int(), unitPrice: moneyOut })),
    subOrders: z.array(
      z.object({
        key: z.string(),
        provider: z.string(),
        attempt: z.number().int(),
        status: z.string(),
        delayed: z.boolean(),
        providerOrderId: z.string().nullable(),
        total: moneyOut,
        items: z
          .array(z.object({ sku: z.string(), quantity: z.number().int(), unitPrice: moneyOut }))
          .meta({ description: "the sub-order's lines at the prices agreed with its provider (quoted; null until quoted)" }),
        triedProviders: z.array(z.string()),
        note: z.string().nullable(),
      }),
    ),
    history: z.array(historyEntrySchema),
    // Payments (src/api/payments/views.ts): the bill, its edits, payments and refunds, the device command log.
    billing: z.unknown().meta({ description: 'total, paid, refunded, balanceDue (decimal strings)' }),
    adjustments: z.array(z.unknown()),
    payments: z.array(z.unknown()),
    commands: z.array(z.unknown()),
    loyalty: z
      .object({
        number: z.string().meta({ description: 'the order number with its Luhn check digit, as the loyalty API lists it' }),
        status: z.enum(LOYALTY_STATUSES),
        accrual: z.number().nullable().meta({ description: 'points credited (when PROCESSED)' }),
      })
      .nullable()
      .meta({ description: "the accrual of a completed order whose customer is a loyalty user; null otherwise" }),
  })
  .meta({ id: 'OrderDetail' });

export const orderListSchema = z
  .object({ orders: z.array(orderSummarySchema), nextCursor: z.string().nullable().meta({ description: 'pass as `cursor` for the next page' }) })
  .meta({ id: 'OrderList' });

export const orderHistorySchema = z
  .object({ orderId: z.uuid(), status: z.enum(ORDER_STATUSES), history: z.array(historyEntrySchema) })
  .meta({ id: 'OrderHistory' });

export const actionResultSchema = z
  .object({ orderId: z.uuid(), action: z.string(), status: z.enum(ORDER_STATUSES), balanceDue: z.string().optional() })
  .meta({ id: 'ActionResult' });

export type OrderSummary = z.infer<typeof orderSummarySchema>;
export type OrderDetail = z.infer<typeof orderDetailSchema>;
export type OrderLoyalty = OrderDetail['loyalty'];
export type HistoryEntry = z.infer<typeof historyEntrySchema>;
export type OrderList = z.infer<typeof orderListSchema>;
export type OrderHistory = z.infer<typeof orderHistorySchema>;
export type ActionResult = z.infer<typeof actionResultSchema>;
