/** Request and response shapes of the orders API: validation and types from one zod source. */
import { z } from 'zod';

export const orderItemSchema = z.object({
  provider: z.string().min(1).max(100),
  sku: z.string().min(1).max(100),
  quantity: z.number().int().positive().max(10_000),
});

export const submitOrderSchema = z.object({
  customerId: z.string().min(1).max(200),
  items: z.array(orderItemSchema).min(1).max(200),
  clientOrderId: z.string().min(1).max(200).optional(),
});

export type SubmitOrderRequest = z.infer<typeof submitOrderSchema>;

export const orderIdSchema = z.uuid();
