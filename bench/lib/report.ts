/**
 * Statistics and output shared by the benchmark sections. Every reported figure is the
 * median over `REPEATS` runs; a ratio is taken per run against the baseline measured in
 * that same run, and then its median is reported (so a slow minute hits both sides).
 */
import fs from 'node:fs';
import path from 'node:path';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const median = (values: number[]) => percentile(values, 50);

export const twoDecimals = (value: number) => Math.round(value * 100) / 100;

export function ratio(value: number, baseline: number): number {
  return twoDecimals(value / baseline);
}

/** A line on stderr saying what the benchmark is doing (a full run takes tens of minutes). */
export function progress(message: string): void {
  process.stderr.write(`  ${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

export function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** p50 and p99 of one run's samples (with n ≥ 200, p99 is not the maximum: it drops the top 2). */
export function distribution(samples: number[]): { n: number; p50: number; p99: number } {
  return { n: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

type Distribution = ReturnType<typeof distribution>;

/**
 * A latency figure against its baseline over repeated runs: the median of each run's p50 and p99 on
 * both sides, and the median of the per-run ratios.
 */
export function againstBaseline(runs: { ours: Distribution; baseline: Distribution }[]) {
  return {
    p50Ms: medianOf(runs, (r) => r.ours.p50),
    p99Ms: medianOf(runs, (r) => r.ours.p99),
    baselineP50Ms: medianOf(runs, (r) => r.baseline.p50),
    baselineP99Ms: medianOf(runs, (r) => r.baseline.p99),
    p50Ratio: twoDecimals(medianOf(runs, (r) => r.ours.p50 / r.baseline.p50)),
    p99Ratio: twoDecimals(medianOf(runs, (r) => r.ours.p99 / r.baseline.p99)),
  };
}

/** Runs `run` `times` times, one after the other. */
export async function repeat<T>(times: number, run: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < times; i++) results.push(await run(i));
  return results;
}

/** The median of one figure across repeated runs. */
export function medianOf<T>(runs: T[], pick: (run: T) => number): number {
  return median(runs.map(pick));
}

export interface Table {
  title: string;
  rows: Record<string, unknown>[];
  /** What the figures mean, printed under the table (sample sizes, baseline). */
  note?: string;
}

function cell(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Math.round(value * 100) / 100);
  return String(value ?? '—');
}

/** Column headings for the figures' keys (the JSON keeps the keys). */
const HEADINGS: Record<string, string> = {
  ordersPerSecond: 'orders/s',
  baselinePerSecond: 'baseline workflows/s',
  ratioToBaseline: 'ratio',
  events: 'history events',
  localActivities: 'local activities',
  baselineEvents: 'bare workflow events',
  samplesPerRun: 'samples per run',
  p50Ms: 'median ms',
  p99Ms: 'p99 ms',
  baselineP50Ms: 'baseline median ms',
  baselineP99Ms: 'baseline p99 ms',
  p50Ratio: 'median ratio',
  p99Ratio: 'p99 ratio',
  workersKilled: 'workers killed',
  undisturbedSeconds: 'undisturbed s',
  recoverySeconds: 'after kill -9 s',
  saturatedConcurrency: 'saturated at',
  apiIdleMiB: 'API idle MiB',
  apiPeakMiB: 'API peak MiB',
  apiRatio: 'API ratio',
  workerIdleMiB: 'worker idle MiB',
  workerPeakMiB: 'worker peak MiB',
  workerRatio: 'worker ratio',
  bareWorkerPeakMiB: 'bare worker peak MiB',
  perSecond: 'per s',
  perSecondRatio: 'per s ratio',
  requestsPerOrder: 'requests/order',
  rateLimited: '429s',
  insideRetryAfterTotal: 'inside Retry-After (total)',
  readyToCreditedP50Ms: 'ready→credited median ms',
  readyToCreditedP99Ms: 'ready→credited p99 ms',
  wallSeconds: 'wall s',
  requestsRatio: 'requests ratio',
};

export function markdownTable(table: Table): string {
  const columns = [...new Set(table.rows.flatMap((row) => Object.keys(row)))];
  const lines = [
    `### ${table.title}`,
    '',
    `| ${columns.map((c) => HEADINGS[c] ?? c).join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...table.rows.map((row) => `| ${columns.map((c) => cell(row[c])).join(' | ')} |`),
  ];
  if (table.note) lines.push('', table.note);
  return `${lines.join('\n')}\n`;
}

export function printTables(tables: Table[]): void {
  for (const table of tables) process.stdout.write(`\n${markdownTable(table)}`);
}

/** Writes bench/results/<name>-<timestamp>.json and .md (git-ignored); returns their paths. */
export function writeResults(name: string, results: unknown, tables: Table[]): { json: string; markdown: string } {
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const stem = path.join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  fs.writeFileSync(`${stem}.json`, `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(`${stem}.md`, tables.map(markdownTable).join('\n'));
  return { json: `${stem}.json`, markdown: `${stem}.md` };
}
