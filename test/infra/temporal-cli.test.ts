/**
 * Where the Temporal CLI comes from (src/infra/temporal-cli.ts) and the install step that
 * gets it ready (scripts/install-temporal-cli.ts), with stand-in binaries in temporary
 * folders: a `temporal` on PATH of another version is skipped, the cache is used, and with
 * nothing to use and no way to get it the error says what to do. (Building with Go and
 * the SDK's download are not run here: minutes, and no internet.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveTemporalCli, TEMPORAL_CLI_VERSION } from '../../src/infra/temporal-cli';
import { ROOT } from '../harness/processes';

const PINNED = TEMPORAL_CLI_VERSION.replace(/^v/, '');

function fakeCli(dir: string, version: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'temporal');
  fs.writeFileSync(file, `#!/bin/sh\necho "temporal version ${version} (Server 1.29.1, UI 2.42.1)"\n`, { mode: 0o755 });
  return file;
}

describe('Temporal CLI resolution', () => {
  let root: string;
  let env: NodeJS.ProcessEnv;
  let lines: string[];
  const progress = (line: string) => void lines.push(line);
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-orders-cli-'));
    lines = [];
    // No Go on this PATH, an empty cache, no download: only what the test puts there exists.
    env = { PATH: path.join(root, 'bin'), DURABLE_ORDERS_CACHE_DIR: path.join(root, 'cache'), TEMPORAL_CLI_DOWNLOAD: 'off' };
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('uses a `temporal` on PATH of the pinned version', async () => {
    const onPath = fakeCli(path.join(root, 'bin'), PINNED);
    assert.deepEqual(await resolveTemporalCli(progress, env), { path: onPath, source: 'PATH' });
  });

  it('skips a `temporal` on PATH of another version, saying so, and uses the cached build', async () => {
    const onPath = fakeCli(path.join(root, 'bin'), '1.4.0');
    const cached = fakeCli(path.join(root, 'cache', 'temporal-cli', TEMPORAL_CLI_VERSION), PINNED);
    assert.deepEqual(await resolveTemporalCli(progress, env), { path: cached, source: 'cache' });
    assert.ok(lines.some((line) => line.includes(onPath) && line.includes('1.4.0') && line.includes(TEMPORAL_CLI_VERSION)), lines.join('\n'));
  });

  it('fails with instructions when nothing is there and nothing can get it', async () => {
    await assert.rejects(resolveTemporalCli(progress, env), (error: Error) => {
      for (const expected of ['Go is not installed', 'TEMPORAL_CLI_DOWNLOAD=off', 'npm run temporal:cli', 'TEMPORAL_CLI_PATH', 'TEMPORAL_ADDRESS']) {
        assert.ok(error.message.includes(expected), `"${expected}" in:\n${error.message}`);
      }
      return true;
    });
  });

  describe('the install step (npm install runs it)', () => {
    const install = (extra: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'install-temporal-cli.ts')], {
        cwd: ROOT,
        env: { ...env, ...extra },
        encoding: 'utf8',
      });

    it('reports the CLI it finds, and never fails the install when there is none and no Go', () => {
      const cached = fakeCli(path.join(root, 'cache', 'temporal-cli', TEMPORAL_CLI_VERSION), PINNED);
      const found = install();
      assert.equal(found.status, 0, found.stderr);
      assert.match(found.stdout, new RegExp(`Temporal CLI ${cached} \\(cache\\)`));

      fs.rmSync(cached);
      const missing = install();
      assert.equal(missing.status, 0, missing.stderr);
      assert.match(missing.stdout, /Go is not installed/);
    });

    it('is skipped with DURABLE_ORDERS_SKIP_TEMPORAL_CLI=1 or TEMPORAL_ADDRESS', () => {
      assert.match(install({ DURABLE_ORDERS_SKIP_TEMPORAL_CLI: '1' }).stdout, /skipped \(DURABLE_ORDERS_SKIP_TEMPORAL_CLI=1\)/);
      assert.match(install({ TEMPORAL_ADDRESS: 'temporal:7233' }).stdout, /skipped \(TEMPORAL_ADDRESS=temporal:7233\)/);
    });
  });
});
