/**
 * The floor under `npm start`'s start-up time: only the infrastructure it starts — the Temporal
 * dev server (with its UI, persisted to SQLite) and the embedded PostgreSQL, in parallel, through
 * the same code — and nothing of ours (no migrations, search attributes, worker, API).
 * Prints "infrastructure ready" when both answer; SIGINT stops both and exits.
 */
import { createLogger } from '../../src/infra/logger';
import { startInfrastructure } from '../../src/infra/stack';

async function main() {
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is required`);
    return value;
  };
  const infra = await startInfrastructure({
    logger: createLogger('warn', 'bench-baseline'),
    dataDir: env('DATA_DIR'),
    namespace: 'default',
    temporalPort: Number(env('TEMPORAL_PORT')),
    temporalUiPort: Number(env('TEMPORAL_UI_PORT')),
    persistTemporal: true,
    postgresPort: Number(env('EMBEDDED_POSTGRES_PORT')),
    databaseName: 'durable_orders',
  });
  process.stdout.write('infrastructure ready\n');
  process.once('SIGINT', () => {
    infra.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
