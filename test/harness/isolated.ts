/**
 * A world of its own for tests that look at *all* orders (the reconciler): a fresh
 * database with the migrations applied and a fresh Temporal namespace with our search
 * attributes, on the run's shared servers.
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import Long from 'long';
import { parseDatabaseUrl } from '../../src/infra/database';
import { migrate } from '../../src/infra/migrate';
import { createDatabaseIfMissing } from '../../src/infra/postgres';
import { ensureSearchAttributes } from '../../src/infra/temporal';
import { testEnv } from './environment';
import { eventually } from './http';

export async function isolatedWorld(name: string): Promise<{ databaseUrl: string; namespace: string; client: Client }> {
  const env = testEnv();
  const suffix = randomUUID().slice(0, 8);
  const url = new URL(parseDatabaseUrl(env.databaseUrl).connectionString);
  const database = `${name}_${suffix}`;
  url.pathname = '/postgres';
  await createDatabaseIfMissing(url.toString(), database);
  url.pathname = `/${database}`;
  await migrate(url.toString());

  const namespace = `${name}-${suffix}`;
  const connection = env.client.connection;
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86_400) } });
  const client = new Client({ connection, namespace });
  await eventually(async () => (await ensureSearchAttributes(client).then(() => true).catch(() => undefined)), 20_000, 'the namespace');
  // Search attributes become usable once the namespace cache sees them.
  await eventually(
    async () => {
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      return customAttributes && 'OrderStatus' in customAttributes ? true : undefined;
    },
    20_000,
    'search attributes',
  );
  return { databaseUrl: url.toString(), namespace, client };
}
