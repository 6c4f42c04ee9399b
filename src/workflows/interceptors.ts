/**
 * Workflow interceptors, bundled with the workflow code (see WORKFLOW_INTERCEPTOR_MODULES
 * in src/worker/worker.ts): OpenTelemetry spans for the workflow run, its activities,
 * signals, updates and queries, continuing the trace of whoever started it. They are
 * deterministic (ids from the workflow's seeded random) and leave the sandbox only
 * through the `exporter` sink, which replays do not call.
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new OpenTelemetryInboundInterceptor()],
  outbound: [new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
