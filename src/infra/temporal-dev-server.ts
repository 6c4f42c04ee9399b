/** Starts `temporal server start-dev` as a child process and waits until it serves the namespace. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { allSearchAttributes } from '../workflows/search-attributes';
import { waitForPort } from './ports';

export interface DevServerOptions {
  binary: string;
  port: number;
  /** Omit for a headless server (tests). */
  uiPort?: number;
  /** SQLite file; omit for an in-memory server. */
  dbFile?: string;
  /** Server stdout/stderr go here (append); omit to discard. */
  logFile?: string;
  namespace: string;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  /** Where a database file that never finished its first start was moved (see prepareDbFile). */
  setAside?: string;
  stop(): Promise<void>;
}

/** `KEYWORD_LIST` → `KeywordList`, the spelling `--search-attribute` expects. */
function cliTypeName(type: string): string {
  return type
    .toLowerCase()
    .split('_')
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

export function devServerArgs(options: DevServerOptions): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  args.push(...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort)]));
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  for (const key of allSearchAttributes) args.push('--search-attribute', `${key.name}=${cliTypeName(key.type)}`);
  return args;
}

export async function startTemporalDevServer(options: DevServerOptions): Promise<DevServer> {
  const firstStart = options.dbFile ? prepareDbFile(options.dbFile) : undefined;
  const log = options.logFile ? fs.openSync(options.logFile, 'a') : 'ignore';
  const logStart = typeof log === 'number' ? fs.fstatSync(log).size : 0; // earlier runs' lines are not this one's
  const child = spawn(options.binary, devServerArgs(options), { stdio: ['ignore', log, log] });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  // Last resort when this process exits without stopping the server (a second Ctrl-C, a crash):
  // an 'exit' handler cannot wait, but a signal is enough for the CLI to stop instead of being orphaned.
  const stopOnExit = () => child.kill('SIGINT');
  process.once('exit', stopOnExit);
  void exitedPromise.then(() => process.removeListener('exit', stopOnExit));
  const address = `127.0.0.1:${options.port}`;

  const stop = async () => {
    if (exited) return;
    // The CLI shuts down on SIGINT; it ignores SIGTERM.
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exitedPromise;
    clearTimeout(timer);
  };

  try {
    await Promise.race([
      waitUntilServing(address, options.namespace),
      exitedPromise.then(() => {
        throw new Error(`temporal dev server exited during start-up (code ${child.exitCode})` +
          (options.logFile ? `: ${lastErrorLine(options.logFile, logStart) ?? 'no error logged'}; see ${options.logFile}` : ''));
      }),
    ]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    if (typeof log === 'number') fs.closeSync(log);
  }
  firstStart?.completed();
  const uiUrl = options.uiPort === undefined ? undefined : `http://localhost:${options.uiPort}`;
  return { address, uiUrl, process: child, stop, ...(firstStart?.setAside ? { setAside: firstStart.setAside } : {}) };
}

/**
 * The dev server creates its SQLite schema on its first start on a new file, and killed in those
 * first ~100 ms it leaves half a schema that fails every later start ("no such table"). So a
 * marker next to the file stands for a first start under way, removed once the server serves.
 * Found at the next start, it means the file never finished its first start — nothing can be in
 * it, as nothing uses the server before it is ready — and the file is set aside for a fresh one.
 * A file without the marker (any finished first start, and data folders older than the marker)
 * is never touched.
 */
function prepareDbFile(dbFile: string): { setAside?: string; completed(): void } {
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  const marker = `${dbFile}.first-start`;
  let setAside: string | undefined;
  if (fs.existsSync(marker) && fs.existsSync(dbFile)) {
    setAside = `${dbFile}.incomplete-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    // With its journal files: SQLite would otherwise replay them into the new file.
    for (const suffix of ['', '-journal', '-wal', '-shm']) {
      if (fs.existsSync(dbFile + suffix)) fs.renameSync(dbFile + suffix, setAside + suffix);
    }
  }
  if (!fs.existsSync(dbFile)) fs.writeFileSync(marker, `first start of ${path.basename(dbFile)} under way since ${new Date().toISOString()}\n`);
  return {
    ...(setAside ? { setAside } : {}),
    completed: () => fs.rmSync(marker, { force: true }),
  };
}

/** The message of the last `level=ERROR` line this run wrote (why it stopped, e.g. a port in use), if any. */
function lastErrorLine(logFile: string, from: number): string | undefined {
  const lines = fs.readFileSync(logFile).subarray(from).toString('utf8').split('\n');
  const line = lines.findLast((candidate) => candidate.includes('level=ERROR'));
  return line?.match(/msg="((?:[^"\\]|\\.)*)"/)?.[1] ?? line;
}

async function waitUntilServing(address: string, namespace: string): Promise<void> {
  const [host, port] = address.split(':');
  await waitForPort(host!, Number(port), 60_000);
  const connection = await Connection.connect({ address });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await connection.close();
  }
}
