/**
 * Distributed tracing (OpenTelemetry), off unless configured. When on, an inbound REST
 * request (HTTP server span), the workflow it starts (Temporal's client interceptor),
 * the workflow run and its activities (worker interceptors; workflow spans leave the
 * sandbox through the `exporter` sink) and their outbound calls (src/infra/http-client.ts)
 * share one trace.
 *
 * The OpenTelemetry packages are the 1.x SDK line on purpose: that is what
 * @temporalio/interceptors-opentelemetry 1.24 is built on, and its workflow span
 * exporter hands 1.x-shaped spans to ours.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { WorkerOptions } from '@temporalio/worker';
import type { Logger } from './logger';

export interface TracingOptions {
  serviceName: string;
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans go to `<endpoint>/v1/traces`. */
  endpoint?: string;
  /** Instead of OTLP: any exporter, exported span by span (tests pass an InMemorySpanExporter). */
  exporter?: SpanExporter;
  logger?: Logger;
}

export interface Tracing {
  /** For the API's Temporal client: StartWorkflow/SignalWorkflow spans, context passed in headers. */
  clientInterceptors: ClientInterceptors;
  /** For workers: activity spans, and the sink that receives spans made inside workflow code. */
  workerOptions: Required<Pick<WorkerOptions, 'sinks'>> & { interceptors: Pick<NonNullable<WorkerOptions['interceptors']>, 'activity'> };
  /** Flushes pending spans, unpatches HTTP, and unregisters the global tracer provider. */
  shutdown(): Promise<void>;
}

/** Whether spans made now go anywhere (startTracing ran and was not shut down). */
let exporting = false;

/**
 * Log fields naming a trace, kept only when traces are exported: the bundled workflow
 * interceptors make (deterministic) spans and stamp their ids on workflow log lines even
 * with tracing off, where they would point to traces nobody can find.
 */
export function withoutUnexportedTraceIds(fields: Record<string, unknown>): Record<string, unknown> {
  if (exporting || !('trace_id' in fields || 'span_id' in fields)) return fields;
  const { trace_id: _traceId, span_id: _spanId, trace_flags: _flags, ...rest } = fields;
  return rest;
}

/** Starts tracing when an endpoint or exporter is given; `undefined` (tracing off) otherwise. Once per process. */
export function startTracing(options: TracingOptions): Tracing | undefined {
  let processor: SpanProcessor;
  if (options.exporter) processor = new SimpleSpanProcessor(options.exporter);
  else if (options.endpoint) {
    const url = `${options.endpoint.replace(/\/+$/, '')}/v1/traces`;
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  } else return undefined;

  const resource = new Resource({ [ATTR_SERVICE_NAME]: options.serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global tracer, W3C trace-context propagation, and an AsyncLocalStorage context manager.
  provider.register();
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Scrapes and probes would drown the traces that matter.
        ignoreIncomingRequestHook: (req) => /^\/(metrics|healthz|readyz)(\?|$)/.test(req.url ?? ''),
      }),
    ],
  });
  // The instrumentation patches `http` when it is next required; it may have been loaded already.
  require('node:http');
  options.logger?.info({ serviceName: options.serviceName, endpoint: options.endpoint }, 'tracing on');
  exporting = true;

  return {
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    workerOptions: {
      interceptors: {
        activity: [
          (ctx) => ({
            inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
            outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ],
      },
      sinks: { exporter: makeWorkflowExporter(processor, resource) },
    },
    async shutdown() {
      exporting = false;
      unregister();
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

/**
 * Workflow code always carries the tracing interceptors (they are bundled in, so one
 * bundle serves tracing on and off); with tracing off their spans go nowhere.
 */
export const discardWorkflowSpans: Tracing['workerOptions']['sinks'] = {
  exporter: { export: { fn: () => undefined } },
};
