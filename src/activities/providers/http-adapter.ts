/**
 * The HTTP JSON provider adapter: talks to any provider implementing the protocol
 * in docs/PROVIDER-PROTOCOL.md. Errors are classified for the engine's retries:
 * network failures, timeouts and 5xx retry with back-off; 429 retries after the
 * provider's Retry-After; other 4xx are final. A cancellation answered 404 means the
 * provider no longer has the sub-order: nothing is left to cancel.
 */
import { ApplicationFailure } from '@temporalio/common';
import { formatMoney, parseMoney } from '../../domain/money';
import { PROVIDER_REPORTS, type ProviderReport } from '../../domain/orders/sub-orders';
import type { ProviderConfig } from '../../config/providers';
import type { HttpClient } from '../../infra/http-client';
import type { BusinessMetrics } from '../../infra/metrics';
import type { Delivery, OrderItem, Quote } from '../../workflows/orders/types';

export interface PlaceRequest {
  idempotencyKey: string;
  orderId: string;
  subOrder: string;
  items: OrderItem[];
  delivery: Delivery;
  callbackUrl?: string | undefined;
}

export interface PlaceResult {
  providerOrderId: string;
  /** The provider's answer when it decided at once (ACCEPTED / REJECTED); otherwise none. */
  report?: ProviderReport | undefined;
}

export interface CancelResult {
  cancelled: boolean;
  /** On refusal: what the provider says the sub-order is. */
  providerStatus?: ProviderReport | undefined;
  /** The provider answered 404: it does not have (or no longer has) the sub-order. */
  unknownToProvider?: boolean | undefined;
  /** A cancel by placement key tells which sub-order it was, when there was one. */
  providerOrderId?: string | undefined;
}

/** One provider integration; the HTTP adapter is the shipped implementation. */
export interface ProviderAdapter {
  quote(items: Pick<OrderItem, 'sku' | 'quantity'>[]): Promise<Quote>;
  place(request: PlaceRequest): Promise<PlaceResult>;
  cancel(providerOrderId: string, idempotencyKey: string, reason: string): Promise<CancelResult>;
  /** Cancels whatever a placement with `placementKey` created, or voids the key if nothing yet. */
  cancelPlacement(placementKey: string, idempotencyKey: string, reason: string): Promise<CancelResult>;
  status(providerOrderId: string): Promise<ProviderReport | undefined>;
}

const MAX_RETRY_AFTER_S = 300;

function asReport(status: unknown): ProviderReport | undefined {
  return PROVIDER_REPORTS.includes(status as ProviderReport) ? (status as ProviderReport) : undefined;
}

export class HttpProviderAdapter implements ProviderAdapter {
  constructor(
    private readonly config: ProviderConfig,
    private readonly http: HttpClient,
    private readonly metrics: BusinessMetrics,
  ) {}

  async quote(items: Pick<OrderItem, 'sku' | 'quantity'>[]): Promise<Quote> {
    const { body } = await this.call('quote', 'POST', '/quotes', { items: items.map(({ sku, quantity }) => ({ sku, quantity })) });
    const lines = (body.lines as { sku: string; quantity: number; unitPrice: string }[]).map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPrice: parseMoney(line.unitPrice),
    }));
    return { provider: this.config.name, lines, total: parseMoney(body.total) };
  }

  async place(request: PlaceRequest): Promise<PlaceResult> {
    const { body } = await this.call(
      'place',
      'POST',
      '/orders',
      {
        orderId: request.orderId,
        reference: request.subOrder,
        items: request.items.map((item) => ({
          sku: item.sku,
          quantity: item.quantity,
          ...(item.unitPrice === undefined ? {} : { unitPrice: formatMoney(item.unitPrice) }),
        })),
        delivery: request.delivery,
        ...(request.callbackUrl ? { callbackUrl: request.callbackUrl } : {}),
      },
      request.idempotencyKey,
    );
    if (typeof body.providerOrderId !== 'string') throw new Error(`${this.config.name}: no providerOrderId in answer`);
    return { providerOrderId: body.providerOrderId, report: asReport(body.status) };
  }

  async cancel(providerOrderId: string, idempotencyKey: string, reason: string): Promise<CancelResult> {
    return this.cancelAt('cancel', `/orders/${encodeURIComponent(providerOrderId)}/cancel`, idempotencyKey, reason);
  }

  async cancelPlacement(placementKey: string, idempotencyKey: string, reason: string): Promise<CancelResult> {
    return this.cancelAt('cancelPlacement', `/placements/${encodeURIComponent(placementKey)}/cancel`, idempotencyKey, reason);
  }

  private async cancelAt(operation: string, path: string, idempotencyKey: string, reason: string): Promise<CancelResult> {
    const { status, body } = await this.call(operation, 'POST', path, { reason }, idempotencyKey, [404, 409]);
    const providerOrderId = typeof body.providerOrderId === 'string' ? body.providerOrderId : undefined;
    if (status === 404) return { cancelled: true, unknownToProvider: true };
    if (status === 409) return { cancelled: false, providerStatus: asReport(body.status), providerOrderId };
    return { cancelled: true, providerOrderId };
  }

  async status(providerOrderId: string): Promise<ProviderReport | undefined> {
    const { body } = await this.call('status', 'GET', `/orders/${encodeURIComponent(providerOrderId)}`);
    return asReport(body.status);
  }

  /** One call to the provider, with latency and error metrics by provider and operation. */
  private async call(
    operation: string,
    method: string,
    path: string,
    payload?: unknown,
    idempotencyKey?: string,
    acceptedErrors: number[] = [],
  ): Promise<{ status: number; body: any }> {
    const labels = { provider: this.config.name, operation };
    const stop = this.metrics.providerCallSeconds.startTimer(labels);
    try {
      const result = await this.send(method, path, payload, idempotencyKey, acceptedErrors);
      stop({ outcome: 'ok' });
      return result;
    } catch (error) {
      stop({ outcome: 'error' });
      const reason = error instanceof ApplicationFailure ? (error.type ?? 'refused') : /timeout|abort/i.test(String(error)) ? 'timeout' : /answered 5/.test(String(error)) ? 'http_5xx' : 'network';
      this.metrics.providerCallErrors.inc({ ...labels, reason });
      throw error;
    }
  }

  private async send(
    method: string,
    path: string,
    payload?: unknown,
    idempotencyKey?: string,
    acceptedErrors: number[] = [],
  ): Promise<{ status: number; body: any }> {
    const url = new URL(this.config.baseUrl.replace(/\/$/, '') + path);
    let response: Response;
    try {
      response = await this.http(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        },
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      });
    } catch (error) {
      // Timeouts and refused connections: retryable, the engine backs off.
      throw new Error(`${this.config.name} ${method} ${path}: ${(error as Error).message}`);
    }
    const text = await response.text();
    const body = text ? safeJson(text) : {};
    if (response.ok || acceptedErrors.includes(response.status)) return { status: response.status, body };
    const message = `${this.config.name} ${method} ${path} answered ${response.status}`;
    if (response.status === 429) {
      const seconds = Math.min(Number(response.headers.get('retry-after')) || 1, MAX_RETRY_AFTER_S);
      throw ApplicationFailure.create({ message, type: 'ProviderRateLimited', nextRetryDelay: `${seconds} seconds` });
    }
    if (response.status >= 500 || response.status === 408) throw new Error(message);
    throw ApplicationFailure.create({ message: `${message}: ${text.slice(0, 200)}`, type: 'ProviderRefused', nonRetryable: true });
  }
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text.slice(0, 200) };
  }
}
