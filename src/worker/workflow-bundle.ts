/**
 * The workflow bundle for source runs (`npm start`, `npm run worker` via tsx, the test
 * harness): webpack takes seconds, so the bundle is kept in the cache folder
 * (DURABLE_ORDERS_CACHE_DIR, default .cache) under a hash of everything it is built from
 * — the workflow and domain sources (the lint rule keeps workflow code to those), the
 * lockfile (package versions) and the bundler options. An unchanged tree starts from the
 * cached file; any edit there makes a new one.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import type { Logger } from '../infra/logger';
import { projectRoot } from '../infra/project';

/** Folders whose files go into the bundle (see the determinism rule in eslint.config.mjs). */
const SOURCE_DIRS = ['src/workflows', 'src/domain'];
/** Bundles not used for this long are removed when a new one is written (worktrees may share a cache). */
const UNUSED_FOR_MS = 7 * 24 * 3600 * 1000;

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** Hash of the bundle's inputs: sources (paths and contents), lockfile, bundler options. */
export function workflowBundleKey(options: Pick<BundleOptions, 'workflowsPath' | 'workflowInterceptorModules'>, root = projectRoot()): string {
  const hash = createHash('sha256');
  const relative = (file: string) => path.relative(root, file);
  hash.update(JSON.stringify({ workflowsPath: relative(options.workflowsPath), interceptors: (options.workflowInterceptorModules ?? []).map(relative) }));
  for (const file of [...SOURCE_DIRS.flatMap((dir) => filesUnder(path.join(root, dir))), path.join(root, 'package-lock.json')]) {
    hash.update(`\0${relative(file)}\0`);
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : '');
  }
  return hash.digest('hex').slice(0, 24);
}

export function workflowBundleCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.DURABLE_ORDERS_CACHE_DIR ?? path.join(projectRoot(), '.cache'), 'workflow-bundle');
}

/** The cached bundle for these sources, built (and cached) first when there is none. */
export async function cachedWorkflowBundle(
  options: Pick<BundleOptions, 'workflowsPath' | 'workflowInterceptorModules'>,
  logger?: Logger,
  cacheDir = workflowBundleCacheDir(),
): Promise<{ code: string; cached: boolean }> {
  const file = path.join(cacheDir, `${workflowBundleKey(options)}.js`);
  const hit = readIfThere(file);
  if (hit !== undefined) return { code: hit, cached: true };
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ ...options, logger: bundlerLogger(logger) });
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    // Written aside, then renamed: a concurrent start never reads half a bundle.
    const staging = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(staging, code);
    fs.renameSync(staging, file);
    prune(cacheDir, file);
    logger?.info({ ms: Date.now() - started, file }, 'workflow code bundled (cached for the next start)');
  } catch (error) {
    // A read-only install still runs; it just bundles on every start.
    logger?.warn({ err: error, cacheDir }, 'workflow code bundled, but the cache folder is not writable');
  }
  return { code, cached: false };
}

function readIfThere(file: string): string | undefined {
  let code: string;
  try {
    code = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // not there (or not readable): bundle it
  }
  try {
    const now = new Date();
    fs.utimesSync(file, now, now); // in use: not pruned
  } catch {
    // A read-only cache is still a cache.
  }
  return code;
}

function prune(dir: string, keep: string): void {
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (file === keep || !name.endsWith('.js')) continue;
    try {
      if (Date.now() - fs.statSync(file).mtimeMs > UNUSED_FOR_MS) fs.rmSync(file, { force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

/** webpack's chatter at debug; its warnings and errors as such. */
function bundlerLogger(logger: Logger | undefined): NonNullable<BundleOptions['logger']> {
  const log = (level: 'debug' | 'warn' | 'error') => (message: string, meta?: Record<string, unknown>) => logger?.[level]({ ...meta, component: 'workflow-bundler' }, message);
  return { trace: log('debug'), debug: log('debug'), info: log('debug'), warn: log('warn'), error: log('error'), log: (_level: string, message: string, meta?: Record<string, unknown>) => log('debug')(message, meta) };
}
