/**
 * Provider calls made by the order workflow. Every call that changes something at the
 * provider carries an idempotency key derived from the order (src/domain/orders/ids.ts),
 * so a retried activity never places or cancels twice. Quotes are cached per
 * (provider, cart) so a retry or re-quote does not make the provider recompute.
 */
import type { ProviderRegistry } from '../../config/providers';
import { canonicalJson, sha256 } from '../../infra/canonical-json';
import type { PrismaClient } from '../../infra/database';
import { createHttpClient } from '../../infra/http-client';
import type { Logger } from '../../infra/logger';
import type { Metrics } from '../../infra/metrics';
import type { OrderItem, Quote } from '../../workflows/orders/types';
import { HttpProviderAdapter, type PlaceRequest, type ProviderAdapter } from './http-adapter';

export interface ProviderActivityDeps {
  prisma: PrismaClient;
  providers: ProviderRegistry;
  /** Base URL of our API as providers reach it; webhooks go to `<base>/providers/<name>/events`. */
  callbackBaseUrl?: string | undefined;
  quoteCacheTtlMs: number;
  metrics: Metrics;
  logger: Logger;
  /** Tests and other integrations may supply adapters; default is HTTP for every provider. */
  adapterFor?: (provider: string) => ProviderAdapter;
}

export function createProviderActivities(deps: ProviderActivityDeps) {
  const adapters = new Map<string, ProviderAdapter>();
  const adapter = (name: string): ProviderAdapter => {
    if (deps.adapterFor) return deps.adapterFor(name);
    const config = deps.providers.get(name);
    if (!config) throw new Error(`unknown provider ${name}`);
    if (!adapters.has(name)) {
      const http = createHttpClient({ target: `provider:${name}`, logFields: { provider: name }, logger: deps.logger, metrics: deps.metrics, timeoutMs: config.timeoutMs });
      adapters.set(name, new HttpProviderAdapter(config, http, deps.metrics.business));
    }
    return adapters.get(name)!;
  };

  return {
    async quoteWithProvider({ provider, items }: { provider: string; items: OrderItem[] }): Promise<Quote> {
      const cart = items.map(({ sku, quantity }) => ({ sku, quantity })).sort((a, b) => a.sku.localeCompare(b.sku));
      const cartHash = sha256(canonicalJson(cart));
      // The cache only saves the provider work: if the database is unreachable, quote without it.
      const cached = await deps.prisma.providerQuote
        .findUnique({ where: { provider_cartHash: { provider, cartHash } } })
        .catch((error: unknown) => void deps.logger.warn({ err: error, provider }, 'quote cache unavailable'));
      if (cached && cached.expiresAt > new Date()) return cached.quote as unknown as Quote;
      const quote = await adapter(provider).quote(cart);
      const expiresAt = new Date(Date.now() + deps.quoteCacheTtlMs);
      await deps.prisma.providerQuote
        .upsert({
          where: { provider_cartHash: { provider, cartHash } },
          create: { provider, cartHash, quote: quote as object, expiresAt },
          update: { quote: quote as object, expiresAt, createdAt: new Date() },
        })
        .catch((error: unknown) => deps.logger.warn({ err: error, provider }, 'quote not cached'));
      return quote;
    },

    async placeWithProvider(request: Omit<PlaceRequest, 'callbackUrl'> & { provider: string }) {
      const callbackUrl = deps.callbackBaseUrl
        ? `${deps.callbackBaseUrl.replace(/\/$/, '')}/providers/${encodeURIComponent(request.provider)}/events`
        : undefined;
      return adapter(request.provider).place({ ...request, callbackUrl });
    },

    async cancelWithProvider(request: { provider: string; providerOrderId: string; idempotencyKey: string; reason: string }) {
      return adapter(request.provider).cancel(request.providerOrderId, request.idempotencyKey, request.reason);
    },

    async cancelPlacementWithProvider(request: { provider: string; placementKey: string; idempotencyKey: string; reason: string }) {
      return adapter(request.provider).cancelPlacement(request.placementKey, request.idempotencyKey, request.reason);
    },

    async pollProvider({ provider, providerOrderId }: { provider: string; providerOrderId: string }) {
      return { report: await adapter(provider).status(providerOrderId) };
    },
  };
}

export type ProviderActivities = ReturnType<typeof createProviderActivities>;
