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
  if (options.dbFile) fs.mkdirSync(path.dirname(options.dbFile), { recursive: true });
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
  const uiUrl = options.uiPort === undefined ? undefined : `http://localhost:${options.uiPort}`;
  return { address, uiUrl, process: child, stop };
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
