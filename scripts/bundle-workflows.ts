// Pre-bundles the workflow code once at build time so production workers start fast
// (they load dist/workflow-bundle.js instead of running webpack on every start).
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../src/worker/worker';

async function main() {
  const { code } = await bundleWorkflowCode(workflowBundleOptions());
  const target = path.join(__dirname, '..', 'dist', 'workflow-bundle.js');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, code);
  process.stdout.write(`wrote ${target} (${(code.length / 1024).toFixed(0)} KiB)\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
