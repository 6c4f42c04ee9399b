/**
 * The cached workflow bundle of source runs (src/worker/workflow-bundle.ts): built once,
 * then read from the cache; a new key whenever what goes into the bundle changes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cachedWorkflowBundle, workflowBundleKey } from '../../src/worker/workflow-bundle';
import { workflowBundleOptions } from '../../src/worker/worker';

describe('workflow bundle cache', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-orders-bundle-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('bundles on the first call and reads the same code from the cache after', async () => {
    const first = await cachedWorkflowBundle(workflowBundleOptions(), undefined, dir);
    assert.equal(first.cached, false);
    assert.match(first.code, /orderWorkflow/);
    assert.equal(fs.readdirSync(dir).filter((name) => name.endsWith('.js')).length, 1);
    const second = await cachedWorkflowBundle(workflowBundleOptions(), undefined, dir);
    assert.deepEqual([second.cached, second.code === first.code], [true, true]);
  });

  it('keys the bundle on workflow and domain sources and the lockfile, not on other code', () => {
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    write('src/workflows/index.ts', 'export {};');
    write('src/domain/rule.ts', 'export const a = 1;');
    write('src/infra/io.ts', 'export const b = 1;');
    write('package-lock.json', '{}');
    const options = { workflowsPath: path.join(dir, 'src/workflows/index.ts'), workflowInterceptorModules: [] };
    const key = () => workflowBundleKey(options, dir);
    const original = key();

    write('src/infra/io.ts', 'export const b = 2;');
    assert.equal(key(), original, 'code outside the bundle does not matter');
    for (const [file, text] of [['src/domain/rule.ts', 'export const a = 2;'], ['src/workflows/new.ts', 'export {};'], ['package-lock.json', '{"v":2}']]) {
      const before = key();
      write(file!, text!);
      assert.notEqual(key(), before, `${file} changes the key`);
    }
  });
});
