/**
 * The determinism rule of eslint.config.mjs: code in src/workflows and src/domain may
 * import values only from @temporalio/workflow, @temporalio/common, src/domain and
 * src/workflows; anything else only as a type; no require(), no import().
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';
import { ROOT } from '../harness/processes';

describe('lint: workflow code stays deterministic', function () {
  this.timeout(30_000);
  const eslint = new ESLint({ cwd: ROOT });
  const problems = async (code: string, file = 'src/workflows/orders/zz-lint-probe.ts') => {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    return result!.messages.filter((m) => m.ruleId === 'determinism/imports' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
  };

  it('refuses imports of anything else, require() and import()', async () => {
    const forbidden = [
      "import { loadConfig } from '../../config';",
      "import { ProviderSimulator } from '../../simulators/providers/server';",
      "import { createLogger } from '../../infra/logger';",
      "import http from 'node:http';",
      "import { Client } from '@temporalio/client';",
      "export { migrate } from '../../infra/migrate';",
      "import fs = require('node:fs');",
      "const fs = require('node:fs');",
      "export async function f() { return import('node:os'); }",
      "export const env = process.env.X;",
    ];
    for (const code of forbidden) assert.ok((await problems(code)).length > 0, `lint let through: ${code}`);
    // The same holds for the pure rules in src/domain.
    assert.ok((await problems("import { createPrisma } from '../../infra/database';", 'src/domain/orders/zz-lint-probe.ts')).length > 0);
  });

  it('allows the workflow packages, src/domain and src/workflows, and any type-only import', async () => {
    const allowed = [
      "import { proxyActivities } from '@temporalio/workflow';",
      "import { ApplicationFailure } from '@temporalio/common';",
      "import { FINAL_STATUSES } from '../../domain/orders/status';",
      "import { stateQuery } from './messages';",
      "import { OrderStatus } from '../search-attributes';",
      "import type { PrismaClient } from '../../infra/database';",
      "import { type Logger } from '../../infra/logger';",
      "export type { ProviderActivities } from '../../activities/providers/activities';",
    ];
    for (const code of allowed) assert.deepEqual(await problems(code), [], code);
  });

  it('leaves the rest of the code alone', async () => {
    assert.deepEqual(await problems("import http from 'node:http'; export const p = process.pid;", 'src/infra/zz-lint-probe.ts'), []);
  });
});
