/**
 * The infrastructure under the service: a Temporal cluster and a PostgreSQL.
 * Uses the ones configured (TEMPORAL_ADDRESS, DATABASE_URL) or starts real local
 * ones: the Temporal CLI dev server and an embedded PostgreSQL. Used by `npm start`
 * and by the test harness, so both exercise the same start-up path.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from './logger';
import { migrate } from './migrate';
import { freePort } from './ports';
import { startEmbeddedPostgres } from './postgres';
import { resolveTemporalCli } from './temporal-cli';
import { startTemporalDevServer } from './temporal-dev-server';

export interface InfrastructureOptions {
  logger: Logger;
  dataDir: string;
  namespace: string;
  /** An existing cluster: nothing is started. */
  temporalAddress?: string;
  temporalPort: number;
  /** Omit for a headless dev server. */
  temporalUiPort?: number;
  /** Keep workflow state in `<dataDir>/temporal.db` across restarts (else in memory). */
  persistTemporal: boolean;
  /** An existing database: nothing is started. */
  databaseUrl?: string;
  /** The variable that gave `databaseUrl`, for the log (default DATABASE_URL; bin/gophermart's is DATABASE_URI). */
  databaseUrlVariable?: string;
  postgresPort: number;
  databaseName: string;
}

export interface Infrastructure {
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  databaseUrl: string;
  stop(): Promise<void>;
}

export async function startInfrastructure(options: InfrastructureOptions): Promise<Infrastructure> {
  const { logger } = options;
  const [temporal, postgres] = await Promise.allSettled([startTemporal(options), startPostgres(options)]);
  if (temporal.status === 'rejected' || postgres.status === 'rejected') {
    if (temporal.status === 'fulfilled') await temporal.value.stop();
    if (postgres.status === 'fulfilled') await postgres.value.stop();
    throw temporal.status === 'rejected' ? temporal.reason : (postgres as PromiseRejectedResult).reason;
  }
  return {
    temporalAddress: temporal.value.address,
    temporalUiUrl: temporal.value.uiUrl,
    databaseUrl: postgres.value.url,
    async stop() {
      await Promise.all([temporal.value.stop(), postgres.value.stop()]);
      logger.debug('infrastructure stopped');
    },
  };
}

async function startTemporal(options: InfrastructureOptions) {
  const { logger } = options;
  if (options.temporalAddress) {
    logger.info({ address: options.temporalAddress }, 'using the Temporal cluster at TEMPORAL_ADDRESS');
    return { address: options.temporalAddress, uiUrl: undefined, stop: async () => {} };
  }
  const cli = await resolveTemporalCli((line) => logger.info(line));
  logger.info({ binary: cli.path, source: cli.source }, 'starting the Temporal dev server');
  const started = Date.now();
  const server = await startTemporalDevServer({
    binary: cli.path,
    port: options.temporalPort,
    ...(options.temporalUiPort === undefined ? {} : { uiPort: options.temporalUiPort }),
    ...(options.persistTemporal ? { dbFile: path.join(options.dataDir, 'temporal.db') } : {}),
    logFile: path.join(options.dataDir, 'temporal-server.log'),
    namespace: options.namespace,
  });
  if (server.setAside) {
    logger.warn({ setAside: server.setAside }, "the Temporal database never finished its first start (the server was stopped within it); set it aside and started a fresh one");
  }
  logger.info({ address: server.address, ms: Date.now() - started }, 'Temporal dev server ready');
  return server;
}

async function startPostgres(options: InfrastructureOptions) {
  const { logger } = options;
  if (options.databaseUrl) {
    logger.info(`using the PostgreSQL at ${options.databaseUrlVariable ?? 'DATABASE_URL'}`);
    return { url: options.databaseUrl, stop: async () => {} };
  }
  const started = Date.now();
  const pgLogger = logger.child({ component: 'postgres' });
  const pg = await startEmbeddedPostgres({
    dataDir: path.join(options.dataDir, 'postgres'),
    port: options.postgresPort,
    database: options.databaseName,
    onLog: (line) => pgLogger.trace(line),
  });
  logger.info({ port: options.postgresPort, ms: Date.now() - started }, 'embedded PostgreSQL ready');
  return pg;
}

/**
 * Throw-away infrastructure for tests and benchmarks: a temporary data folder, free
 * ports, an in-memory Temporal dev server and an embedded PostgreSQL (unless given
 * existing ones), the migrations applied. `stop()` also removes the folder.
 */
export async function startScratchInfrastructure(options: {
  logger: Logger;
  name: string;
  databaseName: string;
  temporalAddress?: string | undefined;
  databaseUrl?: string | undefined;
}): Promise<Infrastructure & { dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `durable-orders-${options.name}-`));
  fs.chmodSync(dataDir, 0o755); // the embedded PostgreSQL runs as another user when we are root
  const infra = await startInfrastructure({
    logger: options.logger,
    dataDir,
    namespace: 'default',
    temporalPort: await freePort(),
    persistTemporal: false,
    postgresPort: await freePort(),
    databaseName: options.databaseName,
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    ...(options.temporalAddress ? { temporalAddress: options.temporalAddress } : {}),
  });
  await migrate(infra.databaseUrl);
  return {
    ...infra,
    dataDir,
    async stop() {
      await infra.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
