/**
 * Recorded workflow histories for replay tests. `RECORD_HISTORIES=1 npm test` saves the
 * histories of selected finished test orders into test/replay/histories; normal runs
 * leave the committed ones alone, and test/replay/replay.test.ts replays them all.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { testEnv } from './environment';

export const HISTORIES_DIR = path.join(__dirname, '..', 'replay', 'histories');

/** The latest run's history, or `runId`'s (e.g. one that continued as new). */
export async function recordHistory(name: string, workflowId: string, runId?: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  await testEnv().client.workflow.getHandle(workflowId).result();
  const handle = testEnv().client.workflow.getHandle(workflowId, runId);
  const history = await handle.fetchHistory();
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  // The same proto-JSON `temporal workflow show --output json` writes, so either can record them.
  fs.writeFileSync(path.join(HISTORIES_DIR, `${name}.json`), historyToJSON(history));
}
