/**
 * No Docker engine runs here, so docker-compose.yml is checked by reading it: every
 * service built from our Dockerfile must pass the same config schema its process
 * parses at start-up, with no variable the process would ignore (a typo).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { apiConfigSchema, migrateConfigSchema, parseConfig, workerConfigSchema } from '../../src/config';
import { ROOT } from '../harness/processes';

const schemas: Record<string, z.ZodObject> = { api: apiConfigSchema, worker: workerConfigSchema, migrate: migrateConfigSchema };

describe('docker-compose.yml', () => {
  const compose = parse(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
  const services: Record<string, any> = compose.services;
  const ours = Object.entries(services).filter(([, service]) => service.build);

  it('runs the API, the worker and the migrations from our Dockerfile', () => {
    assert.deepEqual(ours.map(([, s]) => s.command[0]).sort(), ['api', 'migrate', 'worker']);
    assert.ok(fs.existsSync(path.join(ROOT, 'Dockerfile')));
  });

  for (const [name, schema] of Object.entries(schemas)) {
    it(`gives the ${name} process a configuration its schema accepts, with no unknown variables`, () => {
      const [, service] = ours.find(([, s]) => s.command[0] === name)!;
      const environment = Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, String(v)]));
      parseConfig(schema, environment);
      const unknown = Object.keys(environment).filter((key) => !(key in schema.shape));
      assert.deepEqual(unknown, [], `variables ${name} would ignore`);
    });
  }

  it('points the app at services that exist in the file', () => {
    for (const [, service] of ours) {
      const env = service.environment;
      if (env.TEMPORAL_ADDRESS) assert.ok(services[env.TEMPORAL_ADDRESS.split(':')[0]], env.TEMPORAL_ADDRESS);
      if (env.DATABASE_URL) assert.ok(services[new URL(env.DATABASE_URL).hostname], env.DATABASE_URL);
      for (const dependency of Object.keys(service.depends_on ?? {})) assert.ok(services[dependency], dependency);
    }
  });

  it('has Prometheus scrape the ports the API and workers are configured to serve metrics on', () => {
    const scrape = parse(fs.readFileSync(path.join(ROOT, 'ops/prometheus/prometheus.yml'), 'utf8')).scrape_configs;
    const targets = scrape.flatMap((job: any) => job.dns_sd_configs.flatMap((sd: any) => sd.names.map((n: string) => `${n}:${sd.port}`)));
    const env = (command: string) => ours.find(([, s]) => s.command[0] === command)![1].environment;
    assert.deepEqual(targets.sort(), [
      `api:${env('api').API_PORT}`,
      `worker:${env('worker').WORKER_BUSINESS_METRICS_PORT}`,
      `worker:${env('worker').WORKER_METRICS_PORT}`,
    ].sort());
  });

  it('sends traces to a service in the file, and mounts only files that exist', () => {
    for (const [, service] of ours) {
      const endpoint = service.environment.OTEL_EXPORTER_OTLP_ENDPOINT;
      if (endpoint) assert.ok(services[new URL(endpoint).hostname], endpoint);
    }
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = String(volume).split(':')[0]!;
        if (source.startsWith('.')) assert.ok(fs.existsSync(path.join(ROOT, source)), `${name} mounts ${source}`);
      }
    }
    for (const name of ['prometheus', 'grafana', 'jaeger']) assert.ok(services[name], name);
  });

  it('pins every third-party image to a version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.image) assert.match(service.image, /:v?[0-9][\w.-]*$/, `${name} image ${service.image}`);
    }
  });
});
