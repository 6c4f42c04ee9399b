/**
 * How long `npm start` takes to be ready, and to stop: the README's "ready in a few seconds".
 * Each round starts the sandbox (the command `npm start` runs, `tsx src/main.ts start`, without
 * npm's own launch) on a kept data folder, polls GET /readyz every 20 ms until it answers 200,
 * then sends SIGINT (Ctrl-C) and times the exit, checking that no process is left behind.
 * Baseline, in the same round: only the infrastructure npm start brings up (bench/baseline/
 * infrastructure.ts: Temporal dev server with UI and SQLite, embedded PostgreSQL), so the
 * ratio is what our own start-up (migrations, search attributes, worker, API) adds to the floor.
 * The first round on an empty data folder (initdb, a new SQLite file) is reported on its own.
 *
 *   npx tsx bench/start-time.ts            (ROUNDS=6 by default)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../src/infra/ports';
import { descendants, isAlive, ROOT, sandboxEnv as sandboxEnvOf } from '../test/harness/processes';
import { median, printTables, progress, ratio, round, writeResults } from './lib/report';

const ROUNDS = Number(process.env.ROUNDS ?? 6);
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

interface Timing {
  readyMs: number;
  stopMs: number;
}

/** Starts `tsx <command>`, waits until `ready()` says so, then Ctrl-C; every process it started must be gone. */
async function startAndStop(command: string[], env: NodeJS.ProcessEnv, ready: (output: string) => Promise<boolean>): Promise<Timing> {
  const script = command.join(' ');
  const started = performance.now();
  const child = spawn(TSX, command, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (!(await ready(output))) {
    if (exitCode !== undefined) throw new Error(`${script} exited (${exitCode}) before it was ready:\n${output}`);
    if (performance.now() - started > 120_000) throw new Error(`${script} not ready after 120 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const readyMs = performance.now() - started;
  const children = descendants(child.pid!);
  const stopping = performance.now();
  child.kill('SIGINT');
  const code = await exited;
  const stopMs = performance.now() - stopping;
  if (code !== 0) throw new Error(`${script} exited ${code} on SIGINT:\n${output}`);
  for (let waited = 0; children.some(isAlive); waited += 50) {
    if (waited > 15_000) throw new Error(`left behind after ${script} stopped: ${children.filter(isAlive).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { readyMs, stopMs };
}

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-orders-start-time-'));
  fs.chmodSync(root, 0o755); // the embedded PostgreSQL runs as another user when we are root
  const sandboxEnv = await sandboxEnvOf(path.join(root, 'sandbox'));
  const baselineEnv: NodeJS.ProcessEnv = {
    ...sandboxEnv,
    DATA_DIR: path.join(root, 'infrastructure'),
    TEMPORAL_PORT: String(await freePort()),
    TEMPORAL_UI_PORT: String(await freePort()),
    EMBEDDED_POSTGRES_PORT: String(await freePort()),
  };
  const readyz = `http://127.0.0.1:${sandboxEnv.API_PORT}/readyz`;
  const sandboxReady = async () => (await fetch(readyz).catch(() => undefined))?.status === 200;
  const sandbox = () => startAndStop([path.join(ROOT, 'src', 'main.ts'), 'start'], sandboxEnv, sandboxReady);
  const infrastructure = () =>
    startAndStop([path.join(ROOT, 'bench', 'baseline', 'infrastructure.ts')], baselineEnv, async (output) => output.includes('infrastructure ready'));

  try {
    progress('first start on an empty data folder (both)');
    const first = { sandbox: await sandbox(), infrastructure: await infrastructure() };
    const rounds: { sandbox: Timing; infrastructure: Timing }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      progress(`warm round ${i + 1}/${ROUNDS}`);
      // Alternate which goes first, so a slow moment does not always land on the same side.
      if (i % 2 === 0) rounds.push({ sandbox: await sandbox(), infrastructure: await infrastructure() });
      else {
        const base = await infrastructure();
        rounds.push({ sandbox: await sandbox(), infrastructure: base });
      }
    }
    const of = (pick: (r: (typeof rounds)[number]) => number) => median(rounds.map(pick));
    const results = {
      rounds: ROUNDS,
      loadAverage: os.loadavg(),
      first: { sandboxReadyMs: round(first.sandbox.readyMs), infrastructureReadyMs: round(first.infrastructure.readyMs) },
      warm: {
        sandboxReadyMs: round(of((r) => r.sandbox.readyMs)),
        sandboxReadyRangeMs: [round(Math.min(...rounds.map((r) => r.sandbox.readyMs))), round(Math.max(...rounds.map((r) => r.sandbox.readyMs)))],
        infrastructureReadyMs: round(of((r) => r.infrastructure.readyMs)),
        readyRatio: ratio(of((r) => r.sandbox.readyMs / r.infrastructure.readyMs), 1),
        sandboxStopMs: round(of((r) => r.sandbox.stopMs)),
        infrastructureStopMs: round(of((r) => r.infrastructure.stopMs)),
        stopRatio: ratio(of((r) => r.sandbox.stopMs / r.infrastructure.stopMs), 1),
      },
      samples: rounds,
    };
    const table = {
      title: `npm start: spawn → /readyz 200, and Ctrl-C → exit (median of ${ROUNDS} warm rounds)`,
      rows: [
        { '': 'ready, warm', 'npm start (ms)': results.warm.sandboxReadyMs, 'infrastructure only (ms)': results.warm.infrastructureReadyMs, ratio: results.warm.readyRatio },
        { '': 'stopped after Ctrl-C, warm', 'npm start (ms)': results.warm.sandboxStopMs, 'infrastructure only (ms)': results.warm.infrastructureStopMs, ratio: results.warm.stopRatio },
        {
          '': 'ready, empty data folder (one run)',
          'npm start (ms)': results.first.sandboxReadyMs,
          'infrastructure only (ms)': results.first.infrastructureReadyMs,
          ratio: ratio(first.sandbox.readyMs, first.infrastructure.readyMs),
        },
      ],
      note: `ratio: median of per-round ratios; warm range ${results.warm.sandboxReadyRangeMs.join('–')} ms; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    };
    printTables([table]);
    const files = writeResults('start-time', results, [table]);
    process.stdout.write(`\nresults: ${path.relative(process.cwd(), files.json)}\n`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
