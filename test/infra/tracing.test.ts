/**
 * Tracing on (src/infra/tracing.ts), exported to memory instead of OTLP: one order's
 * REST request, the workflow it starts, the workflow run, its activities and their
 * outbound HTTP calls form one trace; and the bundled workflow interceptors replay.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Worker } from '@temporalio/worker';
import { createHttpClient } from '../../src/infra/http-client';
import { createMetrics } from '../../src/infra/metrics';
import { freePort } from '../../src/infra/ports';
import { startTracing, type Tracing } from '../../src/infra/tracing';
import { startApi, type RunningApi } from '../../src/processes/api';
import { startWorker, type RunningWorker } from '../../src/processes/worker';
import { replayWorkerOptions } from '../../src/worker/worker';
import { testEnv } from '../harness/environment';
import { eventually, request } from '../harness/http';
import { spawnProject } from '../harness/processes';
import { orderBody } from '../harness/orders';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { uniqueTaskQueue } from '../harness/services';
import { providerRegistry, providerRegistrySchema } from '../../src/config/providers';

describe('tracing (OpenTelemetry, in-memory exporter)', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let worker: RunningWorker;
  let api: RunningApi;
  let simulated: SimulatedProviders;

  before(async () => {
    const env = testEnv();
    tracing = startTracing({ serviceName: 'durable-orders-test', exporter })!;
    // Polling, not webhooks: this test's worker has no API callback URL.
    simulated = await startProviders({ pizza: { behavior: { prices: { margherita: 1250 } }, config: { tracking: 'poll' } } });
    const providers = providerRegistry(providerRegistrySchema.parse(simulated.configs));
    const common = { temporalAddress: env.temporalAddress, namespace: env.namespace, taskQueue: uniqueTaskQueue('tracing') };
    const shared = { ...common, databaseUrl: env.databaseUrl, logger: env.logger, tracing, providers };
    worker = await startWorker({ ...shared, workflowBundle: env.workflowBundle, quoteCacheTtlMs: 0 });
    api = await startApi({
      ...shared,
      temporalUiUrl: 'http://temporal-ui.test',
      host: '127.0.0.1',
      port: 0,
      operators: new Map(),
      orderPolicy: { deadlineMs: 60_000, confirmationTimeoutMs: 60_000 },
    });
  });
  after(async () => {
    await api?.stop();
    await worker?.stop();
    await tracing?.shutdown();
    await simulated?.simulator.stop();
  });

  const spanNamed = (name: string, traceId?: string) => (spans: ReadableSpan[]) =>
    spans.find((span) => span.name === name && (!traceId || span.spanContext().traceId === traceId));

  it('puts the REST request, StartWorkflow, RunWorkflow and the activity in one trace', async () => {
    exporter.reset();
    const submitted = await request('POST', `${api.url}/orders`, {
      json: orderBody([{ provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: '12.50' }]),
    });
    assert.equal(submitted.status, 202);
    await testEnv().client.workflow.getHandle(submitted.body.workflowId).result();

    const server = await eventually(async () => spanNamed('POST /orders')(exporter.getFinishedSpans()), 10_000, 'the HTTP server span');
    const traceId = server.spanContext().traceId;
    const names = ['StartWorkflow:orderWorkflow', 'RunWorkflow:orderWorkflow', 'StartActivity:quoteWithProvider', 'RunActivity:quoteWithProvider'];
    const spans = await eventually(async () => {
      const found = names.map((name) => spanNamed(name, traceId)(exporter.getFinishedSpans()));
      return found.every(Boolean) ? (found as ReadableSpan[]) : undefined;
    }, 10_000, `${names.join(', ')} in the request's trace`);

    // Each span is the child of the one before it: request → start → run → schedule activity → run activity.
    let parent = server;
    for (const span of spans) {
      assert.equal(span.parentSpanId, parent.spanContext().spanId, `${span.name} is a child of ${parent.name}`);
      parent = span;
    }
    assert.equal(server.attributes['http.route'], '/orders');
    // How an operator finds an order's trace: by its workflow id.
    assert.equal(spans[0]!.attributes.temporalWorkflowId, submitted.body.workflowId);
    assert.equal(spans[3]!.attributes.temporalWorkflowId, submitted.body.workflowId);
  });

  it('continues the trace in outbound HTTP calls (traceparent) and records a client span', async () => {
    const received: string[] = [];
    const remote = http.createServer((req, res) => {
      received.push(String(req.headers.traceparent));
      res.end('ok');
    });
    await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
    try {
      const call = createHttpClient({ target: 'accrual', logger: testEnv().logger, metrics: createMetrics({ processMetrics: false }) });
      const parent = trace.getTracer('test').startSpan('activity');
      await context.with(trace.setSpan(context.active(), parent), () =>
        call(`http://127.0.0.1:${(remote.address() as AddressInfo).port}/api/orders/1`),
      );
      parent.end();
      const traceId = parent.spanContext().traceId;
      assert.match(received[0] ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      const client = exporter.getFinishedSpans().find((span) => span.name === 'GET accrual');
      assert.equal(client?.spanContext().traceId, traceId);
      assert.equal(client?.parentSpanId, parent.spanContext().spanId);
    } finally {
      remote.close();
    }
  });

  it('replays a traced workflow with the bundled interceptors (replay tests keep passing with tracing on)', async () => {
    const submitted = await request('POST', `${api.url}/orders`, {
      json: orderBody([{ provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: '12.50' }]),
    });
    const handle = testEnv().client.workflow.getHandle(submitted.body.workflowId);
    await handle.result();
    const history = await handle.fetchHistory();
    await Worker.runReplayHistory(replayWorkerOptions(testEnv().workflowBundle), history, submitted.body.workflowId);
  });
});

describe('tracing over OTLP (npm run api with OTEL_EXPORTER_OTLP_ENDPOINT)', function () {
  this.timeout(120_000);

  it('exports the request spans to the configured collector, flushing them on SIGTERM', async () => {
    const received: { path: string; body: string }[] = [];
    const collector = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const env = testEnv();
    const api = spawnProject(['api'], {
      ...process.env,
      TEMPORAL_ADDRESS: env.temporalAddress,
      DATABASE_URL: env.databaseUrl,
      API_HOST: '127.0.0.1',
      API_PORT: String(await freePort()),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      OTEL_SERVICE_NAME: 'otlp-test-api',
      LOG_LEVEL: 'info',
    });
    try {
      const [, url] = await api.waitFor(/"url":"([^"]+)".*API listening/);
      const answered = await request('GET', `${url}/orders/00000000-0000-4000-8000-000000000000`);
      assert.equal(answered.status, 404);
      api.child.kill('SIGTERM');
      assert.equal((await api.exited).code, 0, api.output());
      const traces = received.filter((r) => r.path === '/v1/traces').map((r) => r.body).join('\n');
      assert.match(traces, /otlp-test-api/, 'spans carry the service name');
      assert.match(traces, /GET \/orders\/:id/, 'the server span is named by route');
    } finally {
      if (api.child.exitCode === null) api.child.kill('SIGKILL');
      collector.close();
    }
  });
});
