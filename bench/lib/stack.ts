/**
 * The real stack for benchmarks, as production runs it: Temporal dev server and embedded
 * PostgreSQL (fresh, in a temp dir), the provider simulator in this process, and the API
 * and worker as separate child processes (`src/main.ts api|worker`), so their memory can
 * be measured one by one.
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

export interface BenchStack {
  infra: Infrastructure;
  client: Client;
  simulator: ProviderSimulator;
  apiUrl: string;
  api: ChildProcess;
  workers: ChildProcess[];
  /** Environment for another worker process on the same task queue. */
  workerEnv: NodeJS.ProcessEnv;
  startWorker(env?: NodeJS.ProcessEnv): Promise<ChildProcess>;
  stop(): Promise<void>;
}

export async function startBenchStack(providers: Record<string, Partial<ProviderBehavior>>): Promise<BenchStack> {
  const logger = createLogger('warn', 'bench');
  const infra = await startScratchInfrastructure({ logger, name: 'bench', databaseName: 'bench' });
  const secrets = Object.fromEntries(Object.keys(providers).map((name) => [name, `${name}-bench-webhook-secret`]));
  const simulator = await new ProviderSimulator(
    Object.fromEntries(Object.entries(providers).map(([name, b]) => [name, { webhookSecret: secrets[name], ...b }])),
  ).start();
  const registry: Partial<ProviderConfig>[] = Object.keys(providers).map((name) => ({
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
  const startWorker = async (env: NodeJS.ProcessEnv = workerEnv) => {
    const worker = launch('worker', { ...env, LOG_LEVEL: 'info' });
    await untilPrinted(worker, 'worker polling');
    workers.push(worker);
    return worker;
  };
  const api = launch('api', {
    ...common,
    API_HOST: '127.0.0.1',
    API_PORT: String(apiPort),
    OPERATOR_TOKENS: `bench:${OPERATOR_TOKEN}`,
  });
  api.stdout?.resume();
  await waitForPort('127.0.0.1', apiPort, 60_000);
  const connection = await Connection.connect({ address: infra.temporalAddress });
  const stack: BenchStack = {
    infra,
    client: new Client({ connection }),
    simulator,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    api,
    workers,
    workerEnv,
    startWorker,
    async stop() {
      for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      await connection.close();
      await simulator.stop();
      await infra.stop();
    },
  };
  return stack;
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

/** Peak resident memory (VmHWM) of a process, in MiB. */
export function peakRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round((kib / 1024) * 10) / 10;
}
