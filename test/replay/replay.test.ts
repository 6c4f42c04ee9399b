/**
 * Replays recorded histories of real orders against today's workflow code. A change
 * that would break orders already running (non-determinism) fails here, in CI, instead
 * of in production. Re-record after an intended, versioned change with
 * `RECORD_HISTORIES=1 npm test`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { replayWorkerOptions } from '../../src/worker/worker';
import { testEnv } from '../harness/environment';
import { HISTORIES_DIR } from '../harness/replay';

describe('replay of recorded order histories', () => {
  const files = fs.existsSync(HISTORIES_DIR) ? fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')) : [];

  it('has the recorded histories to replay', () => {
    assert.ok(files.length >= 5, `expected recorded histories in ${HISTORIES_DIR}, found ${files.length}`);
  });

  for (const file of files) {
    it(`replays ${file} without non-determinism`, async () => {
      const history = JSON.parse(fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8'));
      await Worker.runReplayHistory(replayWorkerOptions(testEnv().workflowBundle), history, path.basename(file, '.json'));
    });
  }
});
