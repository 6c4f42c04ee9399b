/**
 * What a DATABASE_URL must look like, in one place: checked by the configuration at
 * start-up (src/config) and applied by every database connection (src/infra/database.ts).
 * Messages never repeat the URL: it carries the password.
 */
export const DEFAULT_SCHEMA = 'durable_orders';

/** Prisma's `?schema=` names a PostgreSQL schema; we accept plain identifiers only (it goes into search_path). */
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A host name or IPv4 address, or a bracketed IPv6 address; a percent-encoded socket folder is decoded first. */
const HOST = /^([A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\])$/;

export interface DatabaseTarget {
  /** The URL without Prisma's `schema` parameter, as `pg` expects it. */
  connectionString: string;
  schema: string;
}

/** Parses a postgres:// URL; throws an Error whose message says what is wrong with it (without the URL). */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new Error('expected a postgres:// or postgresql:// URL');
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    // host[:port] is what follows the last `@` of the authority (the part before it may hold the password).
    const authority = databaseUrl.replace(/^[a-z]+:\/\//, '').split(/[/?#]/)[0]!;
    const port = /^(?:\[[^\]]*\]|[^:]*):(.*)$/.exec(authority.slice(authority.lastIndexOf('@') + 1))?.[1];
    // Not quoted: a password with an unencoded `/` would end up in `port`.
    if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new Error('the port is not a number (or the password needs percent-encoding)');
    if (port !== undefined && Number(port) > 65535) throw new Error(`the port ${port} is above 65535`);
    throw new Error('not a valid URL (a character in the user, password or host that needs percent-encoding?)');
  }
  let host: string;
  try {
    host = decodeURIComponent(url.hostname);
  } catch {
    throw new Error('the host has a malformed percent-encoding');
  }
  if (host !== '' && !host.startsWith('/') && !HOST.test(host)) throw new Error(`the host "${host}" is not a host name or address`);
  for (const part of [url.username, url.password, url.pathname]) {
    try {
      decodeURIComponent(part);
    } catch {
      throw new Error('the user, password or database name has a malformed percent-encoding');
    }
  }
  const schema = url.searchParams.get('schema') ?? DEFAULT_SCHEMA;
  if (!SCHEMA_NAME.test(schema)) throw new Error(`invalid schema name "${schema}" in ?schema= (letters, digits, underscores)`);
  url.searchParams.delete('schema');
  return { connectionString: url.toString(), schema };
}
