/**
 * The real stack for benchmarks, as production runs it: Temporal dev server and embedded
 * PostgreSQL (fresh, in a temp dir), the provider simulator in this process, and the API
 * and every worker as separate child processes (`src/main.ts api|worker`), so a worker
 * can be killed with SIGKILL and each process's memory measured on its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { ProviderConfig } from '../../src/config/providers';
import { createLogger } from '../../src/infra/logger';
import { freePort, waitForPort } from '../../src/infra/ports';
import { startScratchInfrastructure, type Infrastructure } from '../../src/infra/stack';
import type { ProviderBehavior } from '../../src/simulators/providers/behavior';
import { ProviderSimulator } from '../../src/simulators/providers/server';

export const ROOT = path.join(__dirname, '..', '..');
export const OPERATOR_TOKEN = 'bench-operator-token-0123456789';
export const operatorHeaders = { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' };

/** Providers answering instantly (pizza, sushi) and one that accepts and then never moves (till: orders stay open for payments). */
const PROVIDERS: Record<string, Partial<ProviderBehavior>> = {
  pizza: { prices: { margherita: 1250 }, acceptAfterMs: 0, stepMs: 0 },
  sushi: { prices: { maki: 420 }, acceptAfterMs: 0, stepMs: 0 },
  till: { prices: { receipt: 1250 }, acceptAfterMs: 0, stepMs: null },
};

export interface BenchStack {
  infra: Infrastructure;
  client: Client;
  simulator: ProviderSimulator;
  apiUrl: string;
  api: ChildProcess;
  /** Every worker started, dead or alive. */
  workers: ChildProcess[];
  /** Environment of an order worker; extend it for an accrual worker. */
  workerEnv: NodeJS.ProcessEnv;
  startWorker(env?: NodeJS.ProcessEnv): Promise<ChildProcess>;
  /** SIGKILL, no grace; resolves once the process is gone. */
  kill(child: ChildProcess): Promise<void>;
  /** Kills every live worker (a section leaves the stack without workers for the next). */
  stopWorkers(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchStack(): Promise<BenchStack> {
  const logger = createLogger('warn', 'bench');
  const infra = await startScratchInfrastructure({ logger, name: 'bench', databaseName: 'bench' });
  const secrets = Object.fromEntries(Object.keys(PROVIDERS).map((name) => [name, `${name}-bench-webhook-secret`]));
  const simulator = await new ProviderSimulator(
    Object.fromEntries(Object.entries(PROVIDERS).map(([name, b]) => [name, { webhookSecret: secrets[name], ...b }])),
  ).start();
  const registry: Partial<ProviderConfig>[] = Object.keys(PROVIDERS).map((name) => ({
    name,
    baseUrl: simulator.baseUrl(name),
    webhookSecret: secrets[name],
    tracking: 'webhook',
    acceptSlaSeconds: 60,
    timeoutMs: 5_000,
  }));
  const apiPort = await freePort();
  const common: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: infra.temporalAddress,
    DATABASE_URL: infra.databaseUrl,
    TEMPORAL_TASK_QUEUE: 'orders',
    PROVIDERS: JSON.stringify(registry),
    LOG_LEVEL: 'warn',
  };
  const workerEnv = { ...common, PROVIDER_CALLBACK_URL: `http://127.0.0.1:${apiPort}`, RECONCILE_INTERVAL_SECONDS: '0' };
  const children: ChildProcess[] = [];
  const launch = (command: string, env: NodeJS.ProcessEnv) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'main.ts'), command], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    return child;
  };
  const workers: ChildProcess[] = [];
  const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;
  const kill = async (child: ChildProcess) => {
    if (!alive(child)) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await gone;
  };
  const api = launch('api', {
    ...common,
    API_HOST: '127.0.0.1',
    API_PORT: String(apiPort),
    OPERATOR_TOKENS: `bench:${OPERATOR_TOKEN}`,
    // The benchmark is one client sending hundreds of requests a second: not what the rate limit is for.
    RATE_LIMIT_MAX: '0',
  });
  api.stdout?.resume();
  await waitForPort('127.0.0.1', apiPort, 60_000);
  const connection = await Connection.connect({ address: infra.temporalAddress });
  return {
    infra,
    client: new Client({ connection }),
    simulator,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    api,
    workers,
    workerEnv,
    async startWorker(env = workerEnv) {
      const worker = launch('worker', { ...env, LOG_LEVEL: 'info' });
      await untilPrinted(worker, 'worker polling');
      workers.push(worker);
      return worker;
    },
    kill,
    async stopWorkers() {
      await Promise.all(workers.map(kill));
    },
    async stop() {
      await Promise.all(children.map(kill));
      await connection.close();
      await simulator.stop();
      await infra.stop();
    },
  };
}

/** Resolves when the child prints `text` on stdout; keeps draining its output afterwards. */
export function untilPrinted(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`process exited (${code}) before printing "${text}"`)));
  });
}

/** Current resident memory (VmRSS) of a process, in MiB; 0 once it is gone. */
export function rssMiB(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/**
 * Samples the RSS of some processes every `everyMs` while a measurement runs; `stop()`
 * returns each one's peak. Sampling (not VmHWM) so start-up (workflow bundling) is not
 * counted as load.
 */
export function sampleRss(pids: Record<string, number>, everyMs = 100): { stop(): Record<string, number> } {
  const peaks: Record<string, number> = Object.fromEntries(Object.keys(pids).map((name) => [name, 0]));
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) peaks[name] = Math.max(peaks[name]!, rssMiB(pid));
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}
