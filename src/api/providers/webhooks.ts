/**
 * Provider status webhooks: `POST /providers/:provider/events`, signed with the
 * provider's secret (`X-Signature: sha256=<hex HMAC of the raw body>`). An event
 * reaches the order's workflow as the `providerEvent` update; redelivered events
 * are recognised by their `eventId` and applied once.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { orderWorkflowId } from '../../domain/orders/ids';
import { ORDER_STATUSES, type OrderStatus } from '../../domain/orders/status';
import { PROVIDER_REPORTS } from '../../domain/orders/sub-orders';
import { providerEventUpdate } from '../../workflows/orders/messages';
import type { ApiContext } from '../context';
import { ApiError, parseInput } from '../errors';
import { AUTH, documentRoute, jsonBody, jsonResponse, type OpenAPIRegistry } from '../openapi-kit';
import { refusalToHttp, withinUpdateDeadline } from '../workflow-updates';

export const providerEventSchema = z
  .object({
  eventId: z.string().min(1).max(200),
  orderId: z.uuid(),
  providerOrderId: z.string().min(1).max(200),
  status: z.enum(PROVIDER_REPORTS),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
  })
  .meta({ id: 'ProviderEvent' });

export const providerEventResultSchema = z
  .object({
    outcome: z.enum(['applied', 'duplicate', 'ignored']),
    status: z.enum(ORDER_STATUSES),
    reason: z.string().optional(),
  })
  .meta({ id: 'ProviderEventResult' });
type ProviderEventResult = z.infer<typeof providerEventResultSchema>;

export function signatureOf(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

function signatureValid(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signatureOf(secret, rawBody));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function providerWebhooksRouter(ctx: ApiContext): Router {
  const router = Router();
  router.post('/providers/:provider/events', async (req, res) => {
    const provider = ctx.providers.get(String(req.params.provider));
    if (!provider?.webhookSecret) throw new ApiError(404, 'unknown_provider', `no webhook provider ${req.params.provider}`);
    const rawBody = (req as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);
    if (!signatureValid(provider.webhookSecret, rawBody, req.header('x-signature'))) {
      throw new ApiError(401, 'bad_signature', 'X-Signature does not match the body');
    }
    const event = parseInput(providerEventSchema, req.body);
    const order = await ctx.prisma.order.findUnique({ where: { id: event.orderId }, select: { status: true } });
    if (!order) throw new ApiError(404, 'not_found', `order ${event.orderId} not found`);
    try {
      const result = await withinUpdateDeadline(ctx, () =>
        ctx.temporal.workflow.getHandle(orderWorkflowId(event.orderId)).executeUpdate(providerEventUpdate, {
          args: [{ eventId: event.eventId, providerOrderId: event.providerOrderId, report: event.status, provider: provider.name }],
          // The event id doubles as the update id: a redelivery while the first is in flight joins it.
          updateId: `${provider.name}:${event.eventId}`,
        }),
      );
      const answer: ProviderEventResult = result;
      res.json(answer);
    } catch (error) {
      const mapped = refusalToHttp(error, order.status);
      // A finished order cannot use the event, and retrying would not change that: tell the provider to stop.
      if (mapped instanceof ApiError && mapped.code === 'order_closed') {
        const answer: ProviderEventResult = { outcome: 'ignored', status: order.status as OrderStatus, reason: mapped.message };
        return void res.json(answer);
      }
      throw mapped;
    }
  });
  return router;
}

export function registerProviderWebhookPaths(registry: OpenAPIRegistry): void {
  documentRoute(registry, {
    method: 'post',
    path: '/providers/:provider/events',
    tags: ['providers'],
    summary: 'Status webhook from a provider (docs/PROVIDER-PROTOCOL.md)',
    description: '`X-Signature: sha256=<hex HMAC-SHA256 of the raw body with the provider\'s webhookSecret>`. Redeliveries (same `eventId`) are applied once.',
    security: AUTH.provider,
    request: { params: z.object({ provider: z.string() }), body: jsonBody(providerEventSchema) },
    responses: { 200: jsonResponse('applied, a duplicate, or ignored (the order is closed: stop retrying)', providerEventResultSchema) },
    errors: [400, 401, 404, 409, 503],
  });
}
