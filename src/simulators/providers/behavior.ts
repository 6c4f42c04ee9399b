/** How a simulated provider behaves; every knob can be changed while it runs. */
export interface ProviderBehavior {
  /** Added to every answer. */
  latencyMs: number;
  /** Fraction of requests answered 500 (random). */
  failureRate: number;
  /** The next N requests are answered 500 (deterministic, for tests). */
  failNext: number;
  /** The next N requests hang for `hangMs` (longer than the client's timeout). */
  hangNext: number;
  hangMs: number;
  /** Faults of one kind of call only (e.g. placements), applied after the ones above. */
  faults: Partial<Record<ProviderOperation, Partial<OperationFaults>>>;
  /** Time from placement to acceptance; 0 accepts in the placement answer; null never accepts. */
  acceptAfterMs: number | null;
  /** Reject every placement. */
  reject: boolean;
  /** Time between progress steps after acceptance (IN_PROGRESS → IN_DELIVERY → DELIVERED); null = stay ACCEPTED. */
  stepMs: number | null;
  /** Cancellation is refused once the sub-order reached this status. */
  refuseCancelFrom: 'IN_PROGRESS' | 'IN_DELIVERY' | 'DELIVERED';
  /** HMAC secret for webhooks; without one the provider is poll-only. */
  webhookSecret?: string | undefined;
  /** Unit prices in cents per SKU; others get a stable price derived from the SKU. */
  prices: Record<string, number>;
}

/** The calls of docs/PROVIDER-PROTOCOL.md. */
export type ProviderOperation = 'quote' | 'place' | 'status' | 'cancel' | 'cancelPlacement';

export interface OperationFaults {
  latencyMs: number;
  /** The next N requests are answered `failStatus` without being processed. */
  failNext: number;
  /** Default 500; e.g. 404 or 422 to model a provider refusing a cancellation. */
  failStatus: number;
  /** The next N requests hang for `hangMs` without being processed, then answer 504. */
  hangNext: number;
  /** The next N requests are processed, but their answer is held back for `hangMs`: lost, if the caller gave up first. */
  loseAnswerNext: number;
}

export const defaultBehavior = (): ProviderBehavior => ({
  latencyMs: 0,
  failureRate: 0,
  failNext: 0,
  hangNext: 0,
  hangMs: 10_000,
  faults: {},
  acceptAfterMs: 0,
  reject: false,
  stepMs: 50,
  refuseCancelFrom: 'IN_DELIVERY',
  prices: {},
});

/** A stable price between 1.00 and 50.99 for a SKU without a configured one. */
export function priceOf(behavior: ProviderBehavior, sku: string): number {
  if (behavior.prices[sku] !== undefined) return behavior.prices[sku]!;
  let hash = 0;
  for (const char of sku) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return 100 + (hash % 5000);
}
