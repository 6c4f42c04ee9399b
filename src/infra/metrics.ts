/**
 * Prometheus metrics (prom-client). One registry per process, created by the process
 * body and handed to whatever records: the API's HTTP middleware, activities (through
 * their dependencies), the http client. Every metric the service exports is declared
 * here, so dashboards and alert rules can be checked against this list
 * (test/infra/dashboards.test.ts).
 *
 * The Temporal SDK's own metrics (temporal_*) are not here: the SDK runtime serves them
 * itself on WORKER_METRICS_PORT (see installTemporalRuntime). The ones our dashboards
 * and alerts rely on are listed in TEMPORAL_SDK_METRICS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds; from a fast read-model write to an order that waits on people for days. */
const ORDER_DURATION_BUCKETS = [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600];
/** Seconds; HTTP calls in and out. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Business metrics: declared here, recorded by the order lifecycle. Each says which
 * component records it. Recording happens in activities (or the API), never in
 * workflow code, so replays cannot record twice.
 */
function businessMetrics(registry: Registry) {
  const registers = [registry];
  return {
    /** Received → final status. Recorded by the activity projecting an order's final status. */
    orderProcessingSeconds: new Histogram({
      name: 'orders_processing_duration_seconds',
      help: 'Time from order receipt to its final status',
      labelNames: ['final_status'] as const,
      buckets: ORDER_DURATION_BUCKETS,
      registers,
    }),
    /** Time an order spent in `status`, observed when it leaves it. Recorded by the projection activity on each transition. */
    orderStatusSeconds: new Histogram({
      name: 'orders_status_duration_seconds',
      help: 'Time an order spent in a status before leaving it',
      labelNames: ['status'] as const,
      buckets: ORDER_DURATION_BUCKETS,
      registers,
    }),
    /** Every call to a provider, by outcome (`ok`, `error`). Recorded by the provider adapter activities. */
    providerCallSeconds: new Histogram({
      name: 'provider_call_duration_seconds',
      help: 'Latency of calls to order providers',
      labelNames: ['provider', 'operation', 'outcome'] as const,
      buckets: HTTP_BUCKETS,
      registers,
    }),
    /** Failed provider calls, by reason (`timeout`, `http_5xx`, `rejected`...). Recorded by the provider adapter activities. */
    providerCallErrors: new Counter({
      name: 'provider_call_errors_total',
      help: 'Failed calls to order providers',
      labelNames: ['provider', 'operation', 'reason'] as const,
      registers,
    }),
    /** Every poll of the accrual system, by result (`registered`, `processing`, `processed`, `invalid`, `unregistered` (204), `rate_limited`, `malformed` (a 200 the contract does not allow), `error`). Recorded by the accrual poll activity. */
    accrualPolls: new Counter({
      name: 'accrual_polls_total',
      help: 'Polls of the accrual system, by result',
      labelNames: ['result'] as const,
      registers,
    }),
    /** HTTP 429 answers from the accrual system (every poller then pauses). Recorded by the accrual poll activity. */
    accrualRateLimited: new Counter({
      name: 'accrual_rate_limited_total',
      help: 'HTTP 429 answers from the accrual system',
      registers,
    }),
    /** Payment transactions, by method (`cash`, `card`, `gift_card`...) and outcome. Recorded by the payment activity. */
    payments: new Counter({
      name: 'payments_total',
      help: 'Payment transactions, by method and outcome',
      labelNames: ['method', 'outcome'] as const,
      registers,
    }),
  };
}

/** What the read-model gauges show; counted from the database on each scrape (see readModelGauges). */
export interface ReadModelCounts {
  /** Orders per current status (every status of the lifecycle). */
  byStatus: Record<string, number>;
  /** Open orders without progress past their status's threshold, per status. */
  stuck: Record<string, number>;
  /** Open anomalies the reconciler could not repair (order_anomalies), per kind. */
  lost: Record<string, number>;
}

/**
 * Gauges computed when scraped, from the read model (orders, order_anomalies), never
 * set by whoever ran last: every process that reads them (each API replica) reports the
 * same numbers, and a fixed problem disappears on the next scrape. Until a process calls
 * `observe(count)` (the API does, src/api/ops/read-model-metrics.ts) they export no
 * samples; when counting fails, neither (absent, never stale).
 */
function readModelGauges(registry: Registry) {
  let count: (() => Promise<ReadModelCounts>) | undefined;
  let pending: Promise<ReadModelCounts | undefined> | undefined;
  // A scrape collects the three gauges together: they share one count.
  const snapshot = () =>
    (pending ??= (count ? count().catch(() => undefined) : Promise.resolve(undefined)).finally(() => {
      pending = undefined;
    }));
  const gauge = (name: string, help: string, label: string, pick: (counts: ReadModelCounts) => Record<string, number>) =>
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      async collect() {
        const counts = await snapshot();
        this.reset();
        if (counts) for (const [value, n] of Object.entries(pick(counts))) this.set({ [label]: value }, n);
      },
    });
  gauge('orders_by_status', 'Orders per current status in the read model', 'status', (c) => c.byStatus);
  gauge('orders_stuck', 'Orders with no progress for longer than the threshold of their status', 'status', (c) => c.stuck);
  /** `missing_workflow` (an open row with no workflow), `workflow_ended` (its workflow was terminated, timed out or failed). */
  gauge('orders_lost', 'Orders the reconciler found broken and could not repair, by kind', 'kind', (c) => c.lost);
  return {
    /** Where the gauges' numbers come from, from now on (the last call wins). */
    observe(source: () => Promise<ReadModelCounts>): void {
      count = source;
    },
  };
}

function httpMetrics(registry: Registry) {
  const registers = [registry];
  return {
    /** Inbound requests; `route` is the express route pattern, `unmatched` for unknown routes. Recorded by the API middleware. */
    serverRequests: new Counter({
      name: 'http_server_requests_total',
      help: 'Inbound HTTP requests, by method, route pattern and status',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers,
    }),
    serverDuration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Inbound HTTP request latency, by method, route pattern and status',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: HTTP_BUCKETS,
      registers,
    }),
    /** Outbound calls through src/infra/http-client.ts; `target` is the caller's name for the remote (`accrual`, `provider:pizza`). */
    clientDuration: new Histogram({
      name: 'http_client_request_duration_seconds',
      help: 'Outbound HTTP call latency, by target, method and status (`error` when no response)',
      labelNames: ['target', 'method', 'status_code'] as const,
      buckets: HTTP_BUCKETS,
      registers,
    }),
  };
}

export interface Metrics {
  registry: Registry;
  http: ReturnType<typeof httpMetrics>;
  business: ReturnType<typeof businessMetrics>;
  /** orders_by_status, orders_stuck, orders_lost: counted from the read model at scrape time. */
  readModel: ReturnType<typeof readModelGauges>;
}

export type BusinessMetrics = Metrics['business'];

/** A fresh registry with every metric declared, plus Node's process metrics (CPU, memory, event loop...). */
export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return { registry, http: httpMetrics(registry), business: businessMetrics(registry), readModel: readModelGauges(registry) };
}

/**
 * The Temporal SDK metrics (served by the SDK runtime on WORKER_METRICS_PORT) that our
 * dashboards and alert rules use, by base name (histograms add _bucket/_sum/_count).
 * The SDK creates a series on its first event, so the `onEvent` ones appear only after
 * a failure or a non-local activity; the others are checked against a live worker in
 * test/infra/worker-process.test.ts.
 */
export const TEMPORAL_SDK_METRICS = {
  histograms: [
    'temporal_workflow_endtoend_latency',
    'temporal_workflow_task_schedule_to_start_latency',
    'temporal_workflow_task_execution_latency',
    'temporal_local_activity_execution_latency',
    'temporal_activity_execution_latency',
    'temporal_activity_schedule_to_start_latency',
  ],
  others: [
    'temporal_workflow_completed',
    'temporal_workflow_failed',
    'temporal_activity_execution_failed',
    'temporal_worker_task_slots_available',
    'temporal_sticky_cache_size',
    'temporal_num_pollers',
  ],
  onEvent: [
    'temporal_workflow_failed',
    'temporal_activity_execution_failed',
    'temporal_activity_execution_latency',
    'temporal_activity_schedule_to_start_latency',
  ],
} as const;

/** Every SDK series name our dashboards may reference. */
export function temporalSdkSeriesNames(): Set<string> {
  const names = new Set<string>(TEMPORAL_SDK_METRICS.others);
  for (const name of TEMPORAL_SDK_METRICS.histograms) for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  return names;
}

/** Every series name a scrape of our registry can produce (histograms expand to _bucket/_sum/_count). */
export async function exportedSeriesNames(registry: Registry): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram' || String(metric.type) === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    }
  }
  return names;
}

/** `GET /metrics` in Prometheus's text format, for express or a bare node:http server. */
export function metricsEndpoint(registry: Registry): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => res.writeHead(500).end(String(error)),
    );
  };
}
