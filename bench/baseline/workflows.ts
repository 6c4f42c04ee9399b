/**
 * The benchmark baseline: a bare workflow doing what an order does in the engine —
 * the same number of activities and local activities, in the same shape (two parallel
 * rounds of regular activities, then local ones) — with activities that do nothing.
 * Its throughput is the engine's ceiling for our order's shape on this machine.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10 seconds' });
const local = proxyLocalActivities<{ noop(): Promise<void> }>({ startToCloseTimeout: '10 seconds' });

export async function baselineWorkflow(parallelRounds: number[], localActivities: number): Promise<void> {
  for (const width of parallelRounds) await Promise.all(Array.from({ length: width }, () => noop()));
  for (let i = 0; i < localActivities; i++) await local.noop();
}
