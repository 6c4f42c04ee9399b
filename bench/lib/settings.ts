/**
 * The benchmark's knobs, from the environment. `BENCH_QUICK=1` is a smoke test (one
 * repeat, few samples: a few minutes, figures not worth quoting); the defaults are the
 * full run whose figures go into docs/PERFORMANCE.md.
 */
const quick = process.env.BENCH_QUICK === '1';

function num(name: string, full: number, smoke: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return quick ? smoke : full;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${name} must be a positive number, not "${value}"`);
  return parsed;
}

function list(name: string, full: number[], smoke: number[]): number[] {
  const value = process.env[name];
  if (!value) return quick ? smoke : full;
  return value.split(',').map(Number);
}

export const SECTIONS = ['orders', 'payments', 'accrual'] as const;
export type Section = (typeof SECTIONS)[number];

function sections(): Section[] {
  const only = process.env.BENCH_ONLY;
  if (!only) return [...SECTIONS];
  const chosen = only.split(',').map((s) => s.trim());
  for (const name of chosen) if (!SECTIONS.includes(name as Section)) throw new Error(`BENCH_ONLY: unknown section "${name}" (${SECTIONS.join(', ')})`);
  return chosen as Section[];
}

export function benchSettings() {
  return {
    quick,
    sections: sections(),
    /** Every figure is the median of this many runs. */
    repeats: num('REPEATS', 3, 1),
    orders: {
      /** Orders per closed-loop throughput run. */
      ordersPerRun: num('ORDERS_PER_RUN', 40, 8),
      /** Concurrency levels, climbed until throughput stops rising by 10 %. */
      levels: list('LEVELS', [1, 4, 16, 32, 64], [1, 4]),
      /** POST /orders per load level and run (and as many baseline requests): p99 of 200 drops the top 2. */
      latencySamples: num('LATENCY_SAMPLES', 200, 8),
      /** Orders whose read-model lag is measured, per run. */
      lagSamples: num('LAG_SAMPLES', 100, 5),
      /** Orders in flight when every worker is killed. */
      recoveryOrders: num('RECOVERY_ORDERS', 40, 8),
      /** Workers running (and all killed) in the recovery runs. */
      recoveryWorkers: num('RECOVERY_WORKERS', 2, 2),
    },
    payments: {
      /** Updates per measurement (each scenario and its baseline); at most MAX_TRANSACTIONS, as the hot order takes them all. */
      updates: num('PAYMENTS', 200, 40),
      concurrency: num('PAYMENT_CONCURRENCY', 8, 4),
      /** Orders the "many orders" scenarios spread over. */
      orders: num('PAYMENT_ORDERS', 20, 4),
    },
    accrual: {
      users: num('ACCRUAL_BENCH_USERS', 5, 2),
      ordersPerUser: num('ACCRUAL_BENCH_ORDERS', 40, 10),
      /** The accrual system's limit: requests per window. */
      requestsPerWindow: num('ACCRUAL_BENCH_LIMIT', 600, 600),
      windowMs: num('ACCRUAL_BENCH_WINDOW_MS', 5000, 5000),
      /** Our steady cap (requests per second, across workers), set below the limit. */
      maxRequestsPerSecond: num('ACCRUAL_BENCH_CAP', 100, 100),
      /** Each order becomes ready (PROCESSED) this long after upload, uniformly. */
      readyMinMs: num('ACCRUAL_BENCH_READY_MIN_MS', 500, 500),
      readyMaxMs: num('ACCRUAL_BENCH_READY_MAX_MS', 8000, 4000),
      naiveIntervalMs: 5000,
    },
  };
}

export type BenchSettings = ReturnType<typeof benchSettings>;
