/**
 * Finds a Temporal CLI binary (which carries the dev server and Web UI), building
 * it from Go modules into a cache when nothing else is available. This machine kind
 * has no Docker and no downloads except package registries; the Go module proxy
 * is one of those, so `go install` is the reliable way to get the binary.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './project';

/** The one place the CLI version is pinned (1.6+ carries `replace` directives that `go install` refuses). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go-build';
export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

export function cachedCliPath(): string {
  const cacheRoot = process.env.DURABLE_ORDERS_CACHE_DIR ?? path.join(projectRoot(), '.cache');
  return path.join(cacheRoot, 'temporal-cli', TEMPORAL_CLI_VERSION, 'temporal');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/**
 * Resolution order: TEMPORAL_CLI_PATH, `temporal` on PATH, the cached build,
 * then a fresh `go install` into the cache. `progress` receives human-readable lines.
 */
export async function resolveTemporalCli(progress: (line: string) => void = () => {}): Promise<TemporalCli> {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return { path: explicit, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const cached = cachedCliPath();
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  await buildWithGo(cached, progress);
  return { path: cached, source: 'go-build' };
}

async function buildWithGo(target: string, progress: (line: string) => void): Promise<void> {
  if (spawnSync('go', ['version']).status !== 0) {
    throw new Error(
      'No Temporal CLI found and Go is not installed to build one. Either install Go (the build runs ' +
        `"go install ${GO_PACKAGE}@${TEMPORAL_CLI_VERSION}"), put a "temporal" binary on PATH, set ` +
        'TEMPORAL_CLI_PATH to one, or point TEMPORAL_ADDRESS at an existing Temporal cluster.',
    );
  }
  // Build into a private folder, then rename: concurrent builders never see a half-written binary.
  const staging = `${path.dirname(target)}.build-${process.pid}`;
  fs.mkdirSync(staging, { recursive: true });
  progress(`building Temporal CLI ${TEMPORAL_CLI_VERSION} from Go modules (first run only, takes a few minutes)...`);
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('go', ['install', `${GO_PACKAGE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: staging, CGO_ENABLED: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const relay = (chunk: Buffer) =>
      chunk.toString().split('\n').filter(Boolean).forEach((line) => progress(`  ${line}`));
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    // Compiling prints nothing for minutes; say that it is still going.
    const heartbeat = setInterval(() => progress(`  still building (${Math.round((Date.now() - started) / 1000)} s)...`), 15_000);
    child.on('close', (code) => {
      clearInterval(heartbeat);
      resolve(code);
    });
  });
  if (code !== 0 || !isExecutable(path.join(staging, 'temporal'))) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new Error(`go install ${GO_PACKAGE}@${TEMPORAL_CLI_VERSION} failed (exit ${code}); see the lines above`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(path.join(staging, 'temporal'), target);
  fs.rmSync(staging, { recursive: true, force: true });
  progress(`built Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
}
