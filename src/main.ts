/**
 * The one entry point: `durable-orders <command>`.
 *   start     the whole sandbox stack (npm start)
 *   api       the REST API only (npm run api)
 *   worker    a Temporal worker only (npm run worker)
 *   migrate   apply pending SQL migrations (npm run db:migrate)
 *   temporal-cli  find or build the Temporal CLI and print its path
 *   loyalty   the loyalty service as one executable (bin/gophermart; flags -a -d -r)
 *   accrual-simulator  the accrual system stand-in on ACCRUAL_SIMULATOR_PORT
 */
import {
  accrualClientOptions,
  accrualSimulatorConfigSchema,
  accrualRunSettings,
  apiConfigSchema,
  ConfigError,
  loadConfig,
  migrateConfigSchema,
  workerConfigSchema,
} from './config';
import { loadProviderRegistry } from './config/providers';
import { reconcilerSchedule } from './worker/schedules';
import { Cleanup, exitOnSignal } from './infra/lifecycle';
import { createLogger } from './infra/logger';
import { migrate } from './infra/migrate';
import { connectClient, ensureSearchAttributes, installTemporalRuntime } from './infra/temporal';
import { resolveTemporalCli } from './infra/temporal-cli';
import { startTracing } from './infra/tracing';
import { apiOptionsFromConfig, startApi } from './processes/api';
import { runGophermart } from './processes/gophermart';
import { runSandbox } from './processes/sandbox';
import { startWorker } from './processes/worker';
import { startAccrualSimulator } from './simulators/accrual/server';

const commands: Record<string, () => Promise<void>> = {
  start: runSandbox,

  async api() {
    const config = loadConfig(apiConfigSchema);
    const logger = createLogger(config.LOG_LEVEL);
    const cleanup = new Cleanup();
    exitOnSignal(logger, () => cleanup.runAll(logger));
    const serviceName = config.OTEL_SERVICE_NAME ?? 'durable-orders-api';
    const tracing = startTracing({ serviceName, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, logger });
    if (tracing) cleanup.add('tracing', () => tracing.shutdown());
    const api = await startApi({
      temporalAddress: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      temporalUiUrl: config.TEMPORAL_UI_URL,
      databaseUrl: config.DATABASE_URL,
      host: config.API_HOST,
      port: config.API_PORT,
      logger,
      providers: loadProviderRegistry(),
      operators: config.OPERATOR_TOKENS ?? new Map(),
      devices: config.DEVICE_TOKENS ?? new Map(),
      ...apiOptionsFromConfig(config),
      tracing,
    });
    cleanup.add('api', () => api.stop());
    logger.info({ url: api.url }, 'API listening');
  },

  async worker() {
    const config = loadConfig(workerConfigSchema);
    const logger = createLogger(config.LOG_LEVEL);
    const serviceName = config.OTEL_SERVICE_NAME ?? 'durable-orders-worker';
    const tracing = startTracing({ serviceName, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, logger });
    installTemporalRuntime(logger, { metricsPort: config.WORKER_METRICS_PORT });
    const client = await connectClient(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE);
    const added = await ensureSearchAttributes(client);
    if (added.length) logger.info({ added }, 'registered search attributes');
    await client.connection.close();
    const worker = await startWorker({
      temporalAddress: config.TEMPORAL_ADDRESS,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      databaseUrl: config.DATABASE_URL,
      logger,
      accrualSettings: accrualRunSettings(config),
      accrualWorker: accrualClientOptions(config),
      providers: loadProviderRegistry(),
      callbackBaseUrl: config.PROVIDER_CALLBACK_URL,
      quoteCacheTtlMs: config.QUOTE_CACHE_TTL_SECONDS * 1000,
      metricsPort: config.WORKER_BUSINESS_METRICS_PORT,
      shutdownGraceSeconds: config.WORKER_SHUTDOWN_GRACE_SECONDS,
      tracing,
      reconciler: reconcilerSchedule(config),
    });
    exitOnSignal(logger, async () => {
      await worker.stop();
      await tracing?.shutdown();
    });
    await worker.done;
  },

  async migrate() {
    const config = loadConfig(migrateConfigSchema);
    const applied = await migrate(config.DATABASE_URL);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database schema up to date\n');
  },

  loyalty: () => runGophermart(process.argv.slice(3)),

  async 'accrual-simulator'() {
    const config = loadConfig(accrualSimulatorConfigSchema);
    const simulator = await startAccrualSimulator({
      host: config.ACCRUAL_SIMULATOR_HOST,
      port: config.ACCRUAL_SIMULATOR_PORT,
      behaviour: {
        requestsPerWindow: config.ACCRUAL_SIMULATOR_REQUESTS_PER_MINUTE,
        latencyMs: config.ACCRUAL_SIMULATOR_LATENCY_MS,
        failureRate: config.ACCRUAL_SIMULATOR_FAILURE_RATE,
        registeredMs: config.ACCRUAL_SIMULATOR_REGISTERED_MS,
        processingMs: config.ACCRUAL_SIMULATOR_PROCESSING_MS,
      },
    });
    exitOnSignal(createLogger(config.LOG_LEVEL), () => simulator.close());
    process.stdout.write(`accrual simulator listening on ${simulator.url}\n`);
  },

  async 'temporal-cli'() {
    const cli = await resolveTemporalCli((line) => process.stderr.write(`${line}\n`));
    process.stdout.write(`${cli.path}\n`);
    process.stderr.write(`(Temporal CLI from ${cli.source})\n`);
  },
};

const name = process.argv[2] ?? '';
const command = commands[name];
if (!command) {
  process.stderr.write(`usage: durable-orders <${Object.keys(commands).join('|')}>\n`);
  process.exit(64);
}
command().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`durable-orders ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
