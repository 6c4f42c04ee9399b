/**
 * `npm start`: the whole stack in one process tree — Temporal dev server (with Web UI,
 * persisted to <DATA_DIR>/temporal.db), embedded PostgreSQL (<DATA_DIR>/postgres),
 * migrations, a worker and the API, and (unless ACCRUAL_SYSTEM_ADDRESS is set) the
 * accrual simulator the loyalty programme polls. Ctrl-C stops all of it.
 */
import path from 'node:path';
import { devConfigSchema, loadConfig, loyaltyTokenOptions } from '../config';
import { migrate } from '../infra/migrate';
import { Cleanup, exitOnSignal } from '../infra/lifecycle';
import { createLogger } from '../infra/logger';
import { assertPortFree } from '../infra/ports';
import { startInfrastructure } from '../infra/stack';
import { connectClient, ensureSearchAttributes, installTemporalRuntime } from '../infra/temporal';
import { startApi } from './api';
import { accrualSystemOrSimulator, startSupervisedWorker } from './all-in-one';

export async function runSandbox(): Promise<void> {
  const started = Date.now();
  const config = loadConfig(devConfigSchema);
  const logger = createLogger(config.LOG_LEVEL);
  const dataDir = path.resolve(config.DATA_DIR);
  const cleanup = new Cleanup();
  exitOnSignal(logger, () => cleanup.runAll(logger));

  await assertPortFree(config.API_PORT, 'API', 'API_PORT');
  if (!config.TEMPORAL_ADDRESS) {
    await assertPortFree(config.TEMPORAL_PORT, 'Temporal', 'TEMPORAL_PORT');
    await assertPortFree(config.TEMPORAL_UI_PORT, 'Temporal UI', 'TEMPORAL_UI_PORT');
  }
  if (!config.DATABASE_URL) await assertPortFree(config.EMBEDDED_POSTGRES_PORT, 'PostgreSQL', 'EMBEDDED_POSTGRES_PORT');

  installTemporalRuntime(logger);
  const infra = await startInfrastructure({
    logger,
    dataDir,
    namespace: config.TEMPORAL_NAMESPACE,
    ...(config.TEMPORAL_ADDRESS ? { temporalAddress: config.TEMPORAL_ADDRESS } : {}),
    temporalPort: config.TEMPORAL_PORT,
    temporalUiPort: config.TEMPORAL_UI_PORT,
    persistTemporal: true,
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    postgresPort: config.EMBEDDED_POSTGRES_PORT,
    databaseName: 'durable_orders',
  });
  cleanup.add('infrastructure', () => infra.stop());

  const applied = await migrate(infra.databaseUrl);
  logger.info({ applied }, applied.length ? 'migrations applied' : 'database schema up to date');
  if (config.TEMPORAL_ADDRESS) {
    const client = await connectClient(infra.temporalAddress, config.TEMPORAL_NAMESPACE);
    await ensureSearchAttributes(client);
    await client.connection.close();
  }

  const accrual = await accrualSystemOrSimulator(config.ACCRUAL_SYSTEM_ADDRESS, cleanup, {
    port: config.ACCRUAL_SIMULATOR_PORT,
    behaviour: { registeredMs: 1000, processingMs: 1000, requestsPerWindow: 600, windowMs: 60_000 },
  });

  const common = {
    temporalAddress: infra.temporalAddress,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    databaseUrl: infra.databaseUrl,
  };
  await startSupervisedWorker({ ...common, logger: logger.child({ component: 'worker' }) }, config, accrual.address, cleanup, logger);
  const temporalUiUrl = infra.temporalUiUrl ?? config.TEMPORAL_UI_URL;
  const api = await startApi({
    ...common,
    temporalUiUrl,
    host: config.API_HOST,
    port: config.API_PORT,
    logger: logger.child({ component: 'api' }),
    loyalty: loyaltyTokenOptions(config),
  });
  cleanup.add('api', () => api.stop());

  process.stdout.write(
    [
      '',
      `durable-orders is up (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `  REST API      ${api.url}`,
      `  Temporal UI   ${temporalUiUrl}`,
      `  Temporal      ${infra.temporalAddress} (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE})`,
      `  PostgreSQL    ${config.DATABASE_URL ? 'DATABASE_URL' : `embedded, port ${config.EMBEDDED_POSTGRES_PORT}`}`,
      `  Accrual       ${accrual.address}${accrual.simulated ? ' (simulator)' : ''}`,
      `  data          ${dataDir}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}
