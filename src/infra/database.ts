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

/**
 * A pool whose connections never take the process down when the server goes away. pg emits
 * 'error' on a connection whose server ends it (a restart, a Ctrl-C stopping PostgreSQL), and an
 * 'error' nobody listens to kills the process: an idle connection's reaches the pool (a
 * listener here; callers may add one that logs), a busy one's fails its query as well, so its
 * own listener needs to do nothing — the pool discards the dead connection on release. The
 * listener is attached when the connection is made: a checked-out one has none of the pool's, and
 * its server's goodbye can arrive in the same packet as the reply that completed the checkout.
 */
export function createPool(databaseUrl: string, max = 10): Pool {
  const { connectionString, schema } = parseDatabaseUrl(databaseUrl);
  const pool = new Pool({ connectionString, max, options: `-c search_path=${schema}` });
  pool.on('connect', (client) => client.on('error', () => {}));
  pool.on('error', () => {});
  return pool;
}

/** Runs `use` on a connection of its own, always released (a dead one the pool then discards, see createPool). */
export async function withConnection<T>(pool: Pool, use: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await use(client);
  } finally {
    client.release();
  }
}

export function createPrisma(databaseUrl: string, poolSize = 10): PrismaClient {
  const { schema } = parseDatabaseUrl(databaseUrl);
  const adapter = new PrismaPg(createPool(databaseUrl, poolSize), { schema, disposeExternalPool: true });
  return new PrismaClient({ adapter });
}
