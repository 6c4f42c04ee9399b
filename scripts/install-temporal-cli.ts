// `npm install` (postinstall): make sure the Temporal CLI is there before the first
// `npm start` or `bin/gophermart`, building it from Go modules into the cache when Go is
// installed and no CLI is found (minutes, once; progress is printed). Never fails the
// install: whatever is missing is retried, and explained, by the first start.
// Skipped with DURABLE_ORDERS_SKIP_TEMPORAL_CLI=1, or when TEMPORAL_ADDRESS names a cluster
// (the Docker image sets the former: it always uses an external Temporal).
const say = (line: string) => process.stdout.write(`durable-orders: ${line}\n`);

async function main() {
  if (process.env.DURABLE_ORDERS_SKIP_TEMPORAL_CLI === '1') return say('Temporal CLI step skipped (DURABLE_ORDERS_SKIP_TEMPORAL_CLI=1)');
  if (process.env.TEMPORAL_ADDRESS) return say(`Temporal CLI step skipped (TEMPORAL_ADDRESS=${process.env.TEMPORAL_ADDRESS})`);
  // Loaded only now: the Docker build skips this step before the sources are copied in.
  const { findTemporalCli, goAvailable, resolveTemporalCli } = require('../src/infra/temporal-cli') as typeof import('../src/infra/temporal-cli');
  const found = findTemporalCli(say);
  if (found) return say(`Temporal CLI ${found.path} (${found.source})`);
  if (!goAvailable()) {
    return say('no Temporal CLI found and Go is not installed to build one; the first npm start will say what to do');
  }
  try {
    const built = await resolveTemporalCli(say);
    say(`Temporal CLI ${built.path} (${built.source})`);
  } catch (error) {
    say(`warning: ${(error as Error).message}`);
  }
}

main().catch((error: unknown) => say(`warning: the Temporal CLI step failed: ${String(error)}`));
