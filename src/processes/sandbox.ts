/**
 * `npm start`: the whole stack in one process tree — Temporal dev server (with Web UI,
 * persisted to <DATA_DIR>/temporal.db), embedded PostgreSQL (<DATA_DIR>/postgres),
 * migrations, a worker and the API, and (unless ACCRUAL_SYSTEM_ADDRESS is set) the
 * accrual simulator the loyalty programme polls. Ctrl-C stops all of it.
 */
import path from 'node:path';
import { devConfigSchema, loadConfig, type DevConfig } from '../config';
import { loadProviderRegistry, providerRegistry, providerRegistrySchema } from '../config/providers';
import { migrate } from '../infra/migrate';
import { runStoppable, type Startup } from '../infra/lifecycle';
import { createLogger, type Logger } from '../infra/logger';
import { createMetrics } from '../infra/metrics';
import { assertPortFree } from '../infra/ports';
import { connectClient, ensureSearchAttributes, installTemporalRuntime } from '../infra/temporal';
import { sandboxProviders } from '../simulators/providers/sandbox-providers';
import { ProviderSimulator } from '../simulators/providers/server';
import { startTracing } from '../infra/tracing';
import { reconcilerSchedule } from '../worker/schedules';
import { apiOptionsFromConfig, startApi } from './api';
import { accrualSystemOrSimulator, startAllInOneInfrastructure, startSupervisedWorker } from './all-in-one';

/** Only for the local sandbox; production sets OPERATOR_TOKENS. */
export const SANDBOX_OPERATOR_TOKEN = 'sandbox-operator-token';
/** Likewise one point-of-sale device, `till-1`, without DEVICE_TOKENS. */
export const SANDBOX_DEVICE_TOKEN = 'sandbox-device-token-till-1';

export async function runSandbox(): Promise<void> {
  const started = Date.now();
  const config = loadConfig(devConfigSchema);
  const logger = createLogger(config.LOG_LEVEL);
  await runStoppable(logger, (startup) => startSandbox(config, logger, startup, started));
}

async function startSandbox(config: DevConfig, logger: Logger, startup: Startup, started: number): Promise<void> {
  const { cleanup, stopping } = startup;
  const dataDir = path.resolve(config.DATA_DIR);
  // Providers: the configured registry, or the demo providers of a local simulator.
  let providers = loadProviderRegistry();
  const simulateProviders = providers.size === 0;
  // Every fixed port first, so that a taken one stops the start before anything runs.
  await assertPortFree(config.API_PORT, 'API', 'API_PORT');
  await assertPortFree(config.WORKER_METRICS_PORT, 'Temporal SDK metrics', 'WORKER_METRICS_PORT');
  if (!config.TEMPORAL_ADDRESS) {
    await assertPortFree(config.TEMPORAL_PORT, 'Temporal', 'TEMPORAL_PORT');
    await assertPortFree(config.TEMPORAL_UI_PORT, 'Temporal UI', 'TEMPORAL_UI_PORT');
  }
  if (!config.DATABASE_URL) await assertPortFree(config.EMBEDDED_POSTGRES_PORT, 'PostgreSQL', 'EMBEDDED_POSTGRES_PORT');
  if (simulateProviders) await assertPortFree(config.SIMULATOR_PORT, 'provider simulator', 'SIMULATOR_PORT');
  if (!config.ACCRUAL_SYSTEM_ADDRESS && config.ACCRUAL_SIMULATOR_PORT !== 0) {
    await assertPortFree(config.ACCRUAL_SIMULATOR_PORT, 'accrual simulator', 'ACCRUAL_SIMULATOR_PORT');
  }

  const tracing = startTracing({
    serviceName: config.OTEL_SERVICE_NAME ?? 'durable-orders',
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    logger,
  });
  if (tracing) cleanup.add('tracing', () => tracing.shutdown());
  installTemporalRuntime(logger, { metricsPort: config.WORKER_METRICS_PORT });
  const infra = await startAllInOneInfrastructure(startup, {
    logger,
    dataDir,
    namespace: config.TEMPORAL_NAMESPACE,
    temporalAddress: config.TEMPORAL_ADDRESS,
    temporalPort: config.TEMPORAL_PORT,
    temporalUiPort: config.TEMPORAL_UI_PORT,
    persistTemporal: true,
    databaseUrl: config.DATABASE_URL,
    postgresPort: config.EMBEDDED_POSTGRES_PORT,
    databaseName: 'durable_orders',
  });

  stopping.throwIfAborted();

  const applied = await migrate(infra.databaseUrl);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
  if (config.TEMPORAL_ADDRESS) {
    const client = await connectClient(infra.temporalAddress, config.TEMPORAL_NAMESPACE);
    await ensureSearchAttributes(client);
    await client.connection.close();
  }
  stopping.throwIfAborted();

  let simulatorUrl: string | undefined;
  if (simulateProviders) {
    const demo = sandboxProviders();
    const simulator = await new ProviderSimulator(demo.behaviors).start(config.SIMULATOR_PORT, '127.0.0.1');
    cleanup.add('provider simulator', () => simulator.stop());
    simulatorUrl = simulator.url;
    providers = providerRegistry(providerRegistrySchema.parse(demo.registry(simulator.url)));
  }
  const apiUrl = `http://127.0.0.1:${config.API_PORT}`;
  const accrual = await accrualSystemOrSimulator(config.ACCRUAL_SYSTEM_ADDRESS, cleanup, {
    port: config.ACCRUAL_SIMULATOR_PORT,
    behaviour: { registeredMs: 1000, processingMs: 1000, requestsPerWindow: 600, windowMs: 60_000 },
  });
  stopping.throwIfAborted();

  const common = {
    temporalAddress: infra.temporalAddress,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    databaseUrl: infra.databaseUrl,
    providers,
    // One process, one registry: the API's /metrics shows the worker's business metrics too.
    metrics: createMetrics(),
    tracing,
  };
  await startSupervisedWorker(
    {
      ...common,
      logger: logger.child({ component: 'worker' }),
      callbackBaseUrl: apiUrl,
      quoteCacheTtlMs: config.QUOTE_CACHE_TTL_SECONDS * 1000,
      shutdownGraceSeconds: config.WORKER_SHUTDOWN_GRACE_SECONDS,
      reconciler: reconcilerSchedule(config),
    },
    config,
    accrual.address,
    cleanup,
    logger,
  );
  stopping.throwIfAborted();
  const temporalUiUrl = infra.temporalUiUrl ?? config.TEMPORAL_UI_URL;
  // Without OPERATOR_TOKENS the sandbox has one operator with a well-known token (printed below).
  const operators = config.OPERATOR_TOKENS ?? new Map([[SANDBOX_OPERATOR_TOKEN, 'operator']]);
  const devices = config.DEVICE_TOKENS ?? new Map([[SANDBOX_DEVICE_TOKEN, 'till-1']]);
  const api = await startApi({
    ...common,
    temporalUiUrl,
    host: config.API_HOST,
    port: config.API_PORT,
    logger: logger.child({ component: 'api' }),
    operators,
    devices,
    ...apiOptionsFromConfig(config),
  });
  cleanup.add('api', () => api.stop());

  process.stdout.write(
    [
      '',
      `durable-orders is up (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  REST API      ${api.url}`,
      `  Console       ${api.url}/console/ (operator token below)`,
      `  API docs      ${api.url}/docs · ${api.url}/openapi.json`,
      `  Metrics       ${api.url}/metrics (service) · http://localhost:${config.WORKER_METRICS_PORT}/metrics (Temporal SDK)`,
      `  Health        ${api.url}/healthz · ${api.url}/readyz`,
      `  Tracing       ${config.OTEL_EXPORTER_OTLP_ENDPOINT ? `OTLP to ${config.OTEL_EXPORTER_OTLP_ENDPOINT}` : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT)'}`,
      `  Temporal UI   ${temporalUiUrl}`,
      `  Temporal      ${infra.temporalAddress} (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE})`,
      `  PostgreSQL    ${config.DATABASE_URL ? 'DATABASE_URL' : `embedded, port ${config.EMBEDDED_POSTGRES_PORT}`}`,
      `  Providers     ${[...providers.keys()].join(', ')}${simulatorUrl ? ` (simulated at ${simulatorUrl})` : ''}`,
      config.OPERATOR_TOKENS ? '' : `  Operator      Authorization: Bearer ${SANDBOX_OPERATOR_TOKEN}`,
      config.DEVICE_TOKENS ? '' : `  Device till-1 Authorization: Bearer ${SANDBOX_DEVICE_TOKEN} (POST /sync)`,
      `  Accrual       ${accrual.address}${accrual.simulated ? ' (simulator)' : ''}`,
      `  data          ${dataDir}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}
