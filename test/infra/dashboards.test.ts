/**
 * The Grafana dashboard and the Prometheus alert rules may only reference metrics the
 * service exports: our registry (src/infra/metrics.ts) plus the Temporal SDK metrics we
 * rely on (TEMPORAL_SDK_METRICS). No promtool here: PromQL is read with a small extractor.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { createMetrics, exportedSeriesNames, temporalSdkSeriesNames } from '../../src/infra/metrics';
import { ROOT } from '../harness/processes';

const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\w+/g, '');
  const identifiers = stripped.match(/\b[a-zA-Z_][a-zA-Z0-9_:]*\b(?!\s*\()/g) ?? [];
  return [...new Set(identifiers.filter((word) => !PROMQL_KEYWORDS.has(word.toLowerCase())))];
}

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

describe('Grafana dashboard and Prometheus alert rules', () => {
  let known: Set<string>;
  before(async () => {
    known = new Set([...(await exportedSeriesNames(createMetrics().registry)), ...temporalSdkSeriesNames(), 'up']);
  });

  it('reads metric names out of PromQL', () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.95, sum by (le, route) (rate(http_x_bucket{status_code=~"5..", a="b"}[$__rate_interval])))'),
      ['http_x_bucket'],
    );
    assert.deepEqual(metricNames('sum(rate(a_total[5m])) / clamp_min(sum(rate(b_total[5m])), 1e-9) > 0.2 and on (x) c'), ['a_total', 'b_total', 'c']);
  });

  it('dashboard: valid panels, provisioned datasource, and only exported metrics', () => {
    const dashboard = JSON.parse(read('ops/grafana/dashboards/durable-orders.json'));
    const datasources = parse(read('ops/grafana/provisioning/datasources/prometheus.yml')).datasources;
    const prometheusUid = datasources.find((d: any) => d.type === 'prometheus').uid;
    const panels = dashboard.panels.filter((panel: any) => panel.type !== 'row');
    assert.equal(new Set(dashboard.panels.map((p: any) => p.id)).size, dashboard.panels.length, 'unique panel ids');
    assert.ok(panels.length >= 10);
    const referenced = new Set<string>();
    for (const panel of panels) {
      assert.equal(panel.datasource.uid, prometheusUid, panel.title);
      assert.ok(panel.targets.length > 0, panel.title);
      for (const target of panel.targets) for (const name of metricNames(target.expr)) referenced.add(name);
    }
    const unknown = [...referenced].filter((name) => !known.has(name));
    assert.deepEqual(unknown, [], 'the dashboard references metrics nobody exports');
    // The metrics issue 6 asks to see are all on it.
    for (const name of ['orders_by_status', 'orders_stuck', 'orders_lost', 'orders_processing_duration_seconds_bucket', 'orders_status_duration_seconds_bucket', 'provider_call_duration_seconds_bucket', 'provider_call_errors_total', 'accrual_polls_total', 'accrual_rate_limited_total', 'payments_total', 'http_server_requests_total']) {
      assert.ok(referenced.has(name), `dashboard shows ${name}`);
    }
  });

  it('alert rules: well-formed, covering stuck and lost orders, 5xx rate and 429 storms, only exported metrics', () => {
    const rules = parse(read('ops/prometheus/alerts.yml')).groups.flatMap((group: any) => group.rules);
    for (const rule of rules) {
      assert.match(rule.alert, /^[A-Z][A-Za-z0-9]+$/);
      assert.ok(['warning', 'critical'].includes(rule.labels?.severity), `${rule.alert} severity`);
      assert.ok(rule.annotations?.summary, `${rule.alert} summary`);
      const unknown = metricNames(rule.expr).filter((name) => !known.has(name));
      assert.deepEqual(unknown, [], `${rule.alert} references metrics nobody exports`);
    }
    const names = rules.map((rule: any) => rule.alert);
    for (const required of ['OrdersStuck', 'OrdersLost', 'ApiServerErrorRate', 'AccrualRateLimitStorm']) assert.ok(names.includes(required), required);
  });

  it('prometheus.yml loads the rule file it is mounted with', () => {
    const config = parse(read('ops/prometheus/prometheus.yml'));
    assert.deepEqual(config.rule_files, ['/etc/prometheus/alerts.yml']);
  });
});
