/**
 * Database access. All tables live in their own PostgreSQL schema (default
 * `durable_orders`, or `?schema=` in DATABASE_URL, as Prisma spells it) so the
 * service can share a database with other programs.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, type PoolClient } from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { parseDatabaseUrl } from './database-url';

export { PrismaClient };
export { DEFAULT_SCHEMA, parseDatabaseUrl, type DatabaseTarget } from './database-url';

export function createPool(databaseUrl: string, max = 10): Pool {
  const { connectionString, schema } = parseDatabaseUrl(databaseUrl);
  return new Pool({ connectionString, max, options: `-c search_path=${schema}` });
}

/**
 * Runs `use` on a connection of its own. pg emits 'error' on a checked-out connection whose
 * socket dies (a database restart, a Ctrl-C during start-up), and an 'error' nobody listens to
 * kills the process; here the running query fails instead, and the dead connection is discarded
 * rather than returned to the pool.
 */
export async function withConnection<T>(pool: Pool, use: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    return await use(client);
  } finally {
    client.removeListener('error', onError);
    client.release(lost);
  }
}

export function createPrisma(databaseUrl: string, poolSize = 10): PrismaClient {
  const { schema } = parseDatabaseUrl(databaseUrl);
  const adapter = new PrismaPg(createPool(databaseUrl, poolSize), { schema, disposeExternalPool: true });
  return new PrismaClient({ adapter });
}
