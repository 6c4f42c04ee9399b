/**
 * Finds a Temporal CLI binary (which carries the dev server and Web UI), building it
 * from Go modules into a cache when nothing else is available. This machine kind has
 * no Docker and no downloads except package registries; the Go module proxy is one of
 * those, so `go install` is the reliable way to get the binary. `npm install` runs this
 * once (scripts/postinstall.js), so the first `npm start` finds the binary cached.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from './project';

/** The one place the CLI version is pinned (1.6+ carries `replace` directives that `go install` refuses). */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const GO_PACKAGE = 'github.com/temporalio/cli/cmd/temporal';
/** How long the SDK's download may take before we give up on it. */
const SDK_DOWNLOAD_TIMEOUT_MS = 5 * 60_000;

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'cache' | 'go-build' | 'sdk-download';
export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

type Progress = (line: string) => void;

export function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  const cacheRoot = env.DURABLE_ORDERS_CACHE_DIR ?? path.join(projectRoot(), '.cache');
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

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/** `temporal --version` says e.g. "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)". */
export function cliVersion(binary: string): string | undefined {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return /\b(\d+\.\d+\.\d+)\b/.exec(result.stdout ?? '')?.[1];
}

/**
 * What is there without building or downloading: TEMPORAL_CLI_PATH (used as it is),
 * `temporal` on PATH when it is the pinned version (else skipped, with a line saying
 * so), then the cached build.
 */
export function findTemporalCli(progress: Progress = () => {}, env: NodeJS.ProcessEnv = process.env): TemporalCli | undefined {
  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return { path: explicit, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) {
    const version = cliVersion(fromPath);
    if (version === TEMPORAL_CLI_VERSION.replace(/^v/, '')) return { path: fromPath, source: 'PATH' };
    progress(
      `ignoring ${fromPath}: it is version ${version ?? 'unknown'}, this project pins ${TEMPORAL_CLI_VERSION} ` +
        '(set TEMPORAL_CLI_PATH to use it anyway)',
    );
  }
  const cached = cachedCliPath(env);
  if (isExecutable(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

export function goAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  return spawnSync('go', ['version'], { env }).status === 0;
}

/**
 * findTemporalCli, else build it with `go install` into the cache, else (no Go, or the
 * build failed) let the Temporal SDK download it (needs internet; TEMPORAL_CLI_DOWNLOAD=off
 * skips it), else fail with what to do. `progress` receives human-readable lines.
 */
export async function resolveTemporalCli(progress: Progress = () => {}, env: NodeJS.ProcessEnv = process.env): Promise<TemporalCli> {
  const found = findTemporalCli(progress, env);
  if (found) return found;
  const target = cachedCliPath(env);
  const failures: string[] = [];
  if (goAvailable(env)) {
    try {
      await buildWithGo(target, progress, env);
      return { path: target, source: 'go-build' };
    } catch (error) {
      failures.push((error as Error).message);
    }
  } else {
    failures.push('Go is not installed, so the CLI cannot be built');
  }
  if (env.TEMPORAL_CLI_DOWNLOAD !== 'off') {
    try {
      await downloadWithSdk(target, progress);
      return { path: target, source: 'sdk-download' };
    } catch (error) {
      failures.push(`the Temporal SDK could not download it: ${(error as Error).message}`);
    }
  } else {
    failures.push("the Temporal SDK's download is off (TEMPORAL_CLI_DOWNLOAD=off)");
  }
  throw new Error(
    [
      `No Temporal CLI ${TEMPORAL_CLI_VERSION} found, and none could be obtained:`,
      ...failures.map((failure) => `  - ${failure}`),
      'Do one of these, then start again:',
      `  - install Go (https://go.dev/dl/) and run "npm run temporal:cli" (it runs "go install ${GO_PACKAGE}@${TEMPORAL_CLI_VERSION}" into ${path.dirname(target)});`,
      `  - put the "temporal" ${TEMPORAL_CLI_VERSION} binary (https://github.com/temporalio/cli/releases) on PATH, or set TEMPORAL_CLI_PATH to it;`,
      '  - set TEMPORAL_ADDRESS to an existing Temporal cluster (nothing is started then).',
    ].join('\n'),
  );
}

async function buildWithGo(target: string, progress: Progress, env: NodeJS.ProcessEnv): Promise<void> {
  // Build into a private folder, then rename: concurrent builders never see a half-written binary.
  const staging = `${path.dirname(target)}.build-${process.pid}`;
  fs.mkdirSync(staging, { recursive: true });
  progress(`building Temporal CLI ${TEMPORAL_CLI_VERSION} from Go modules (once; takes a few minutes)...`);
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('go', ['install', `${GO_PACKAGE}@${TEMPORAL_CLI_VERSION}`], {
      env: { ...env, GOBIN: staging, CGO_ENABLED: '0' },
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
    throw new Error(`"go install ${GO_PACKAGE}@${TEMPORAL_CLI_VERSION}" failed (exit ${code}; its output is above)`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(path.join(staging, 'temporal'), target);
  fs.rmSync(staging, { recursive: true, force: true });
  progress(`built Temporal CLI in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
}

/**
 * The SDK's own way (what TestWorkflowEnvironment.createLocal does): the core bridge
 * downloads the CLI from temporal.download when it starts an ephemeral dev server. We
 * start one, stop it, and keep the binary it downloaded.
 */
async function downloadWithSdk(target: string, progress: Progress): Promise<void> {
  const { Runtime } = await import('@temporalio/worker');
  const downloadDir = `${path.dirname(target)}.download`;
  fs.mkdirSync(downloadDir, { recursive: true });
  progress(`downloading Temporal CLI ${TEMPORAL_CLI_VERSION} through the Temporal SDK (temporal.download)...`);
  const runtime = Runtime.instance();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no download within ${SDK_DOWNLOAD_TIMEOUT_MS / 1000} s`)), SDK_DOWNLOAD_TIMEOUT_MS);
  });
  try {
    const server = await Promise.race([
      runtime.createEphemeralServer({
        type: 'dev-server',
        exe: {
          type: 'cached-download',
          downloadDir,
          version: TEMPORAL_CLI_VERSION,
          ttl: 365 * 24 * 3600 * 1000,
          sdkName: 'sdk-typescript',
          sdkVersion: JSON.parse(fs.readFileSync(require.resolve('@temporalio/worker/package.json'), 'utf8')).version,
        },
        namespace: 'default',
        ip: '127.0.0.1',
        port: null,
        uiPort: null,
        dbFilename: null,
        ui: false,
        log: { format: 'pretty', level: 'warn' },
        extraArgs: [],
      }),
      timeout,
    ]);
    await runtime.shutdownEphemeralServer(server);
  } finally {
    clearTimeout(timer);
  }
  const downloaded = path.join(downloadDir, `temporal-${TEMPORAL_CLI_VERSION}`);
  if (!isExecutable(downloaded)) throw new Error(`the SDK reported success but ${downloaded} is missing`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.renameSync(downloaded, target);
  fs.rmSync(downloadDir, { recursive: true, force: true });
  progress(`downloaded Temporal CLI: ${target}`);
}
