/** Spawning the project's own executables in tests, and checking nothing outlives them. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../../src/infra/ports';

export const ROOT = path.join(__dirname, '..', '..');

/**
 * The environment of an `npm start` of its own: `dataDir`, free ports for everything it listens on,
 * and none of the outer environment's cluster or database (it starts its own).
 */
export async function sandboxEnv(dataDir: string): Promise<NodeJS.ProcessEnv> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  for (const name of ['API_PORT', 'TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'EMBEDDED_POSTGRES_PORT', 'SIMULATOR_PORT', 'ACCRUAL_SIMULATOR_PORT', 'WORKER_METRICS_PORT']) {
    env[name] = String(await freePort());
  }
  for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'ACCRUAL_SYSTEM_ADDRESS', 'PROVIDERS', 'OTEL_EXPORTER_OTLP_ENDPOINT']) delete env[name];
  return env;
}

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first stdout/stderr text matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnProject(args: string[], env: NodeJS.ProcessEnv): Spawned {
  return spawnScript(path.join(ROOT, 'src', 'main.ts'), args, env);
}

/** Any TypeScript file of the project (an entry point, a test fixture) as its own Node.js process. */
export function spawnScript(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    listeners.forEach((listener) => listener());
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // 'close', not 'exit': what a process printed just before exiting may still be on its way.
  let closed = false;
  child.once('close', () => {
    closed = true;
    listeners.forEach((listener) => listener());
  });
  return {
    child,
    exited,
    output: () => output,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) return done(() => resolve(match));
          if (closed) {
            done(() => reject(new Error(`process exited before printing ${pattern}:\n${output}`)));
          }
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`))), timeoutMs);
        const done = (finish: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          finish();
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Every process below `pid` (children, grandchildren...), from `ps`. */
export function descendants(pid: number): number[] {
  const table = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).stdout;
  const children = new Map<number, number[]>();
  for (const line of table.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number);
    children.set(parent!, [...(children.get(parent!) ?? []), child!]);
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Every process that ran below `child` while watched (sampled every 100 ms), to check that none outlives it. */
export function watchDescendants(child: ChildProcess): { stop(): number[] } {
  const seen = new Set<number>();
  const timer = setInterval(() => descendants(child.pid!).forEach((pid) => seen.add(pid)), 100);
  return {
    stop() {
      clearInterval(timer);
      return [...seen];
    },
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Worker child processes for one test suite: started on its task queue, killed like a crash. */
export function workerProcesses(env: () => NodeJS.ProcessEnv) {
  const children: Spawned[] = [];
  return {
    async start(): Promise<Spawned> {
      const spawned = spawnProject(['worker'], env());
      children.push(spawned);
      await spawned.waitFor(/worker polling/);
      return spawned;
    },
    /** SIGKILL, no grace: the worker and whatever it started die at once. */
    async crash(worker: Spawned): Promise<void> {
      const grandchildren = descendants(worker.child.pid!);
      worker.child.kill('SIGKILL');
      await worker.exited;
      for (const pid of grandchildren) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    },
    killAll(): void {
      for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    },
  };
}
