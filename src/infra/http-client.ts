/**
 * Outbound HTTP for activities (provider and accrual adapters): `fetch` plus what every
 * call must leave behind — one log line (target, method, host and path, status,
 * duration; never headers, bodies or query strings), the latency histogram, and a
 * client span whose context travels in the `traceparent` header when tracing is on.
 * Errors are the caller's to interpret: any response is returned, network failures and
 * timeouts are thrown (Temporal retries the activity).
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { asyncLocalStorage as activityContext } from '@temporalio/activity';
import { orderIdOfWorkflow } from '../domain/orders/ids';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

export interface HttpClientOptions {
  /** Low-cardinality name of the remote, for logs and metrics: `accrual`, `provider:pizza`. */
  target: string;
  /** More fields for every log line of this client, e.g. `{ provider: 'pizza' }`. */
  logFields?: Record<string, string>;
  logger: Logger;
  metrics: Metrics;
  /** Per-call timeout unless the caller passes its own `signal`. */
  timeoutMs?: number;
}

export type HttpClient = (url: string | URL, init?: RequestInit) => Promise<Response>;

export function createHttpClient(options: HttpClientOptions): HttpClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const clientLog = options.logger.child({ target: options.target, ...options.logFields });

  return async (input, init = {}) => {
    const log = withActivityContext(clientLog);
    const url = new URL(input);
    const method = (init.method ?? 'GET').toUpperCase();
    const where = { method, host: url.host, path: url.pathname };
    // Looked up per call: the global tracer provider is registered (or not) after import.
    return trace.getTracer('durable-orders/http-client').startActiveSpan(
      `${method} ${options.target}`,
      { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'server.address': url.hostname, 'url.path': url.pathname } },
      async (span) => {
        const headers = new Headers(init.headers);
        propagation.inject(context.active(), headers, { set: (carrier, key, value) => carrier.set(key, value) });
        const started = process.hrtime.bigint();
        const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
        try {
          const response = await fetch(url, { ...init, headers, signal: init.signal ?? AbortSignal.timeout(timeoutMs) });
          const seconds = elapsed();
          options.metrics.http.clientDuration.observe({ target: options.target, method, status_code: String(response.status) }, seconds);
          span.setAttribute('http.response.status_code', response.status);
          if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          log[response.status >= 500 ? 'warn' : 'info'](
            { ...where, statusCode: response.status, durationMs: Math.round(seconds * 1000) },
            `outbound ${method} ${url.host}${url.pathname} ${response.status}`,
          );
          return response;
        } catch (error) {
          const seconds = elapsed();
          options.metrics.http.clientDuration.observe({ target: options.target, method, status_code: 'error' }, seconds);
          span.recordException(error as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          log.warn({ ...where, err: error, durationMs: Math.round(seconds * 1000) }, `outbound ${method} ${url.host}${url.pathname} failed`);
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };
}

/**
 * Inside an activity (the client is shared by every activity of a worker), the line says
 * which one called: the same workflowId / workflowRunId / activityType / activityId fields
 * as the SDK's own activity lines, and the order when the workflow is an order's.
 */
function withActivityContext(log: Logger): Logger {
  const info = activityContext.getStore()?.info;
  if (!info) return log;
  const workflowId = info.workflowExecution?.workflowId;
  const orderId = workflowId && orderIdOfWorkflow(workflowId);
  return log.child({
    ...(workflowId ? { workflowId, workflowRunId: info.workflowExecution!.runId } : {}),
    ...(orderId ? { orderId } : {}),
    activityType: info.activityType,
    activityId: info.activityId,
  });
}
