import assert from 'node:assert/strict';
import { apiConfigSchema, ConfigError, devConfigSchema, gophermartConfigSchema, migrateConfigSchema, parseConfig, workerConfigSchema } from '../../src/config';
import { apiOptionsFromConfig } from '../../src/processes/api';
import { spawnProject } from '../harness/processes';

const valid = { TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: 'postgresql://u:p@db:5432/orders' };

describe('configuration (zod, at start-up)', () => {
  it('applies defaults', () => {
    const config = parseConfig(apiConfigSchema, valid);
    assert.equal(config.API_PORT, 3000);
    assert.equal(config.TEMPORAL_NAMESPACE, 'default');
    assert.equal(config.TEMPORAL_TASK_QUEUE, 'orders');
  });

  it('names a missing variable in one line', () => {
    assert.throws(
      () => parseConfig(workerConfigSchema, { TEMPORAL_ADDRESS: 'temporal:7233' }),
      (error: Error) => error instanceof ConfigError && error.message === 'Invalid configuration: DATABASE_URL is required',
    );
  });

  it('names a malformed variable and says what was expected', () => {
    assert.throws(() => parseConfig(apiConfigSchema, { ...valid, TEMPORAL_ADDRESS: 'http://temporal' }), /TEMPORAL_ADDRESS: expected host:port/);
    assert.throws(() => parseConfig(apiConfigSchema, { ...valid, API_PORT: 'eighty' }), /API_PORT:/);
    assert.throws(() => parseConfig(apiConfigSchema, { ...valid, DATABASE_URL: 'mysql://x' }), /DATABASE_URL: expected a postgres/);
  });

  it('leaves tracing and worker metrics off unless configured, and validates them', () => {
    const worker = parseConfig(workerConfigSchema, valid);
    assert.equal(worker.OTEL_EXPORTER_OTLP_ENDPOINT, undefined);
    assert.equal(worker.WORKER_METRICS_PORT, undefined);
    assert.equal(worker.WORKER_BUSINESS_METRICS_PORT, undefined);
    assert.equal(worker.WORKER_SHUTDOWN_GRACE_SECONDS, 30);
    assert.throws(() => parseConfig(workerConfigSchema, { ...valid, OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger' }), /OTEL_EXPORTER_OTLP_ENDPOINT:/);
    assert.throws(() => parseConfig(workerConfigSchema, { ...valid, WORKER_METRICS_PORT: '99999' }), /WORKER_METRICS_PORT:/);
  });

  it('rejects a DATABASE_URL no connection could use, saying why without repeating it', () => {
    const cases: [string, RegExp][] = [
      ['postgres://%%bad', /DATABASE_URL: the host has a malformed percent-encoding$/],
      ['postgres://u:s3cret@127.0.0.1:notaport/db', /DATABASE_URL: the port is not a number/],
      ['postgres://u:s3cret@127.0.0.1:70000/db', /DATABASE_URL: the port 70000 is above 65535$/],
      ['postgres://u:s3cret@db host/db', /DATABASE_URL: not a valid URL/],
      ['postgres://u:s3cr/et@db:5432/db', /DATABASE_URL: the port is not a number/],
      ['postgres://u:s3cret@db:5432/orders?schema=bad-name', /DATABASE_URL: invalid schema name "bad-name"/],
      ['postgres://u:%zz@db:5432/orders', /DATABASE_URL: the user, password or database name has a malformed percent-encoding$/],
    ];
    for (const [url, expected] of cases) {
      assert.throws(
        () => parseConfig(migrateConfigSchema, { DATABASE_URL: url }),
        (error: Error) => error instanceof ConfigError && expected.test(error.message) && !error.message.includes('s3cret'),
        url,
      );
    }
    // The same rule guards the loyalty binary's DATABASE_URI.
    assert.throws(() => parseConfig(gophermartConfigSchema, { DATABASE_URI: 'postgres://%%bad' }), /DATABASE_URI: the host/);
  });

  it('accepts the DATABASE_URL forms PostgreSQL clients use', () => {
    for (const url of [
      'postgresql://u:p@db:5432/orders?schema=durable_orders',
      'postgres://u:p%40ss@[::1]:5432/orders',
      'postgres://%2Fvar%2Frun%2Fpostgresql/orders',
      'postgres:///orders',
    ]) {
      assert.equal(parseConfig(migrateConfigSchema, { DATABASE_URL: url }).DATABASE_URL, url);
    }
  });

  it('rejects a TEMPORAL_ADDRESS or RUN_ADDRESS port above 65535', () => {
    assert.throws(() => parseConfig(apiConfigSchema, { ...valid, TEMPORAL_ADDRESS: 'localhost:99999' }), /TEMPORAL_ADDRESS: port 99999 is above 65535/);
    assert.throws(() => parseConfig(gophermartConfigSchema, { RUN_ADDRESS: ':65536' }), /RUN_ADDRESS: port 65536 is above 65535/);
    assert.equal(parseConfig(gophermartConfigSchema, { RUN_ADDRESS: '[::]:8080' }).RUN_ADDRESS, '[::]:8080');
  });

  it('stops a process with one line naming the variable and exit status 78', async function () {
    this.timeout(30_000);
    for (const [command, env] of [
      ['api', { ...valid, DATABASE_URL: 'postgres://%%bad' }],
      ['migrate', { DATABASE_URL: 'postgres://u@127.0.0.1:notaport/db' }],
      ['worker', { ...valid, TEMPORAL_ADDRESS: 'localhost:99999' }],
    ] as const) {
      const child = spawnProject([command], { PATH: process.env.PATH, ...env });
      const { code } = await child.exited;
      const lines = child.output().trim().split('\n');
      assert.equal(code, 78, `${command}: ${child.output()}`);
      assert.equal(lines.length, 1, child.output());
      assert.match(lines[0]!, /^Invalid configuration: (DATABASE_URL|TEMPORAL_ADDRESS): /);
    }
  });

  it('lets the reconciler judge new orders at once with RECONCILE_GRACE_SECONDS=0 (default 60), on demand and on its schedule', () => {
    assert.equal(apiOptionsFromConfig(parseConfig(apiConfigSchema, valid)).reconcileGraceSeconds, 60);
    assert.equal(apiOptionsFromConfig(parseConfig(devConfigSchema, { RECONCILE_GRACE_SECONDS: '0' })).reconcileGraceSeconds, 0);
    assert.equal(parseConfig(workerConfigSchema, { ...valid, RECONCILE_GRACE_SECONDS: '0' }).RECONCILE_GRACE_SECONDS, 0);
    assert.equal(parseConfig(workerConfigSchema, valid).RECONCILE_GRACE_SECONDS, 60);
    assert.throws(() => parseConfig(workerConfigSchema, { ...valid, RECONCILE_GRACE_SECONDS: '-1' }), /RECONCILE_GRACE_SECONDS/);
  });

  it('treats empty variables as unset', () => {
    assert.throws(() => parseConfig(apiConfigSchema, { ...valid, DATABASE_URL: '' }), /DATABASE_URL is required/);
  });
});
