/**
 * Database access. All tables live in their own PostgreSQL schema (default
 * `durable_orders`, or `?schema=` in DATABASE_URL, as Prisma spells it) so the
 * service can share a database with other programs.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';
import { parseDatabaseUrl } from './database-url';

export { PrismaClient };
export { DEFAULT_SCHEMA, parseDatabaseUrl, type DatabaseTarget } from './database-url';

export function createPool(databaseUrl: string, max = 10): Pool {
  const { connectionString, schema } = parseDatabaseUrl(databaseUrl);
  return new Pool({ connectionString, max, options: `-c search_path=${schema}` });
}

export function createPrisma(databaseUrl: string, poolSize = 10): PrismaClient {
  const { schema } = parseDatabaseUrl(databaseUrl);
  const adapter = new PrismaPg(createPool(databaseUrl, poolSize), { schema, disposeExternalPool: true });
  return new PrismaClient({ adapter });
}
