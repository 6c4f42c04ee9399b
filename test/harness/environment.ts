/**
 * The real infrastructure for one test run: a Temporal dev server and an embedded
 * PostgreSQL on free ports, a fresh database with the migrations applied, and the
 * workflow code bundled once. Started by the root hooks (root-hooks.ts) through the
 * same `startInfrastructure` that `npm start` uses (via `startScratchInfrastructure`); tests reach it via `testEnv()`.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createPrisma, type PrismaClient } from '../../src/infra/database';
import { createLogger, type Logger } from '../../src/infra/logger';
import { startScratchInfrastructure, type Infrastructure } from '../../src/infra/stack';
import { installTemporalRuntime } from '../../src/infra/temporal';
import { workflowBundleOptions } from '../../src/worker/worker';

export interface TestEnvironment {
  infra: Infrastructure;
  dataDir: string;
  temporalAddress: string;
  databaseUrl: string;
  namespace: string;
  client: Client;
  prisma: PrismaClient;
  workflowBundle: { code: string };
  logger: Logger;
}

let env: TestEnvironment | undefined;

export function testEnv(): TestEnvironment {
  if (!env) throw new Error('test environment not started (root hooks missing?)');
  return env;
}

export async function startTestEnvironment(): Promise<TestEnvironment> {
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'warn', 'test');
  installTemporalRuntime(logger);
  const started = Date.now();
  const [infra, bundle] = await Promise.all([
    startScratchInfrastructure({
      logger,
      name: 'test',
      databaseName: `test_${process.pid}`,
      databaseUrl: process.env.TEST_DATABASE_URL,
      temporalAddress: process.env.TEST_TEMPORAL_ADDRESS,
    }),
    bundleWorkflowCode({ ...workflowBundleOptions(), logger: quietBundlerLogger }),
  ]);
  const { dataDir } = infra;
  const connection = await Connection.connect({ address: infra.temporalAddress });
  env = {
    infra,
    dataDir,
    temporalAddress: infra.temporalAddress,
    databaseUrl: infra.databaseUrl,
    namespace: 'default',
    client: new Client({ connection, namespace: 'default' }),
    prisma: createPrisma(infra.databaseUrl),
    workflowBundle: bundle,
    logger,
  };
  logger.info({ ms: Date.now() - started }, 'test environment ready');
  return env;
}

export async function stopTestEnvironment(): Promise<void> {
  if (!env) return;
  const { infra, client, prisma } = env;
  env = undefined;
  await prisma.$disconnect();
  await client.connection.close();
  await infra.stop();
}

const quietBundlerLogger = {
  log() {},
  trace() {},
  debug() {},
  info() {},
  warn(message: string, meta?: unknown) {
    process.stderr.write(`workflow bundler: ${message} ${meta ? JSON.stringify(meta) : ''}\n`);
  },
  error(message: string, meta?: unknown) {
    process.stderr.write(`workflow bundler: ${message} ${meta ? JSON.stringify(meta) : ''}\n`);
  },
};
