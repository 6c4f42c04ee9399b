import assert from 'node:assert/strict';
import { apiConfigSchema, ConfigError, parseConfig, workerConfigSchema } from '../../src/config';

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

  it('treats empty variables as unset', () => {
    assert.throws(() => parseConfig(apiConfigSchema, { ...valid, DATABASE_URL: '' }), /DATABASE_URL is required/);
  });
});
