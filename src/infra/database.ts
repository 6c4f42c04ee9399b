/**
 * Database access. All tables live in their own PostgreSQL schema (default
 * `durable_orders`, or `?schema=` in DATABASE_URL, as Prisma spells it) so the
 * service can share a database with other programs.
 */
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { PrismaClient } from '../generated/prisma/client';

export { PrismaClient };
export const DEFAULT_SCHEMA = 'durable_orders';

export interface DatabaseTarget {
  /** The URL without Prisma's `schema` parameter, as `pg` expects it. */
  connectionString: string;
  schema: string;
}

export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema') ?? DEFAULT_SCHEMA;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) throw new Error(`DATABASE_URL: invalid schema name "${schema}"`);
  url.searchParams.delete('schema');
  return { connectionString: url.toString(), schema };
}

export function createPool(databaseUrl: string, max = 10): Pool {
  const { connectionString, schema } = parseDatabaseUrl(databaseUrl);
  return new Pool({ connectionString, max, options: `-c search_path=${schema}` });
}

export function createPrisma(databaseUrl: string, poolSize = 10): PrismaClient {
  const { schema } = parseDatabaseUrl(databaseUrl);
  const adapter = new PrismaPg(createPool(databaseUrl, poolSize), { schema, disposeExternalPool: true });
  return new PrismaClient({ adapter });
}
