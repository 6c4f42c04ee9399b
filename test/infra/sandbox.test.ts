/**
 * `npm start` end to end, as a user runs it: the whole stack comes up, takes an
 * order, stops on Ctrl-C (SIGINT) leaving no process behind, and a second start
 * finds the order again in both Postgres and Temporal.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection, Client } from '@temporalio/client';
import { eventually, request } from '../harness/http';
import { descendants, isAlive, sandboxEnv, spawnProject, watchDescendants } from '../harness/processes';

describe('npm start (the all-in-one sandbox)', function () {
  this.timeout(180_000);
  let dataDir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-orders-sandbox-'));
    fs.chmodSync(dataDir, 0o755);
    env = await sandboxEnv(dataDir);
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  async function startSandbox() {
    const sandbox = spawnProject(['start'], env);
    const [, apiUrl] = await sandbox.waitFor(/REST API\s+(\S+)/);
    await sandbox.waitFor(/Press Ctrl-C to stop/);
    return { sandbox, apiUrl: apiUrl! };
  }

  async function stopWithCtrlC(sandbox: ReturnType<typeof spawnProject>) {
    const children = descendants(sandbox.child.pid!);
    assert.ok(children.length >= 2, 'the sandbox runs Temporal and PostgreSQL as child processes');
    sandbox.child.kill('SIGINT');
    const { code } = await sandbox.exited;
    assert.equal(code, 0, sandbox.output());
    await eventually(async () => (children.every((pid) => !isAlive(pid)) ? true : undefined), 15_000, 'children to exit');
  }

  it('serves orders, shuts down cleanly on SIGINT, and keeps them across a restart', async () => {
    const first = await startSandbox();
    assert.match(first.sandbox.output(), new RegExp(`Temporal UI\\s+http://localhost:${env.TEMPORAL_UI_PORT}`));
    const [, accrualUrl] = first.sandbox.output().match(/Accrual\s+(http:\/\/\S+) \(simulator\)/) ?? [];
    assert.ok(accrualUrl, 'the accrual simulator runs and its URL is in the banner');
    const rule = await request('POST', `${accrualUrl}/api/goods`, { json: { match: 'Bork', reward: 10, reward_type: '%' } });
    assert.equal(rule.status, 200);
    const ui = await fetch(`http://localhost:${env.TEMPORAL_UI_PORT}/`);
    assert.equal(ui.status, 200, 'the Temporal Web UI answers');
    assert.match(first.sandbox.output(), new RegExp(`Metrics\\s+${first.apiUrl}/metrics .* http://localhost:${env.WORKER_METRICS_PORT}/metrics`));

    const submitted = await request('POST', `${first.apiUrl}/orders`, {
      json: { customerId: 'sandbox-customer', items: [{ provider: 'pizza', sku: 'margherita', quantity: 1 }], delivery: { address: 'here' } },
    });
    assert.equal(submitted.status, 202);
    // One process, one registry: /metrics has the API's requests and the worker's declared metrics.
    const metrics: string = (await request('GET', `${first.apiUrl}/metrics`)).body;
    assert.match(metrics, /^http_server_requests_total\{method="POST",route="\/orders",status_code="202"\} 1$/m);
    assert.match(metrics, /^# TYPE orders_processing_duration_seconds histogram$/m);
    const sdk = await eventually(async () => {
      const text: string = (await request('GET', `http://localhost:${env.WORKER_METRICS_PORT}/metrics`)).body;
      // The order's quote activity ran (the sandbox's demo providers take seconds to deliver).
      return /^temporal_activity_execution_latency_bucket\{/m.test(text) ? text : undefined;
    }, 15_000, 'temporal_activity_execution_latency from the SDK exporter');
    assert.match(sdk, /^temporal_worker_task_slots_available\{/m);
    await stopWithCtrlC(first.sandbox);

    const second = await startSandbox();
    try {
      const fetched = await request('GET', `${second.apiUrl}/orders/${submitted.body.id}`, {
        headers: { 'x-customer-id': 'sandbox-customer' },
      });
      assert.equal(fetched.status, 200);
      assert.equal(fetched.body.number, submitted.body.number);
      const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_PORT}` });
      const description = await new Client({ connection }).workflow.getHandle(submitted.body.workflowId).describe();
      await connection.close();
      assert.equal(description.type, 'orderWorkflow', 'the workflow history survived the restart');
      assert.equal(description.searchAttributes.CustomerId?.[0], 'sandbox-customer');
    } finally {
      await stopWithCtrlC(second.sandbox);
    }
  });

  /** Processes still running that belong to this test's DATA_DIR (Temporal's database file, PostgreSQL's cluster). */
  function leftBehind(): string[] {
    const table = spawnSync('ps', ['-e', '-o', 'pid=,args='], { encoding: 'utf8' }).stdout;
    return table.split('\n').filter((line) => line.includes(dataDir));
  }

  it('stops what it had started and exits 1 when its start fails: a fixed port taken, or an API address it cannot listen on', async () => {
    const squatter = net.createServer().listen(Number(env.SIMULATOR_PORT), '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    try {
      const taken = spawnProject(['start'], env);
      const watched = watchDescendants(taken.child);
      assert.equal((await taken.exited).code, 1);
      assert.match(taken.output(), /provider simulator port \d+ is already in use; .* set SIMULATOR_PORT/);
      assert.deepEqual(watched.stop(), [], 'a taken port is found before anything starts');
    } finally {
      squatter.close();
    }

    // 192.0.2.1 (TEST-NET-1) is no address of this machine: the API fails after Temporal and PostgreSQL are up.
    const late = spawnProject(['start'], { ...env, API_HOST: '192.0.2.1' });
    const watched = watchDescendants(late.child);
    assert.equal((await late.exited).code, 1);
    assert.match(late.output(), /EADDRNOTAVAIL/);
    const started = watched.stop();
    assert.ok(started.length >= 2, 'Temporal and PostgreSQL had started');
    await eventually(async () => (leftBehind().length === 0 && started.every((pid) => !isAlive(pid)) ? true : undefined), 15_000, 'no process left behind');
  });

  it('stops what it had started and exits 0 on a Ctrl-C during its start-up', async () => {
    const starting = spawnProject(['start'], { ...env, LOG_LEVEL: 'info' });
    const watched = watchDescendants(starting.child);
    await starting.waitFor(/"msg":"Temporal dev server ready"/); // PostgreSQL may still be starting: nothing is registered for cleanup yet
    starting.child.kill('SIGINT');
    assert.equal((await starting.exited).code, 0, starting.output());
    assert.doesNotMatch(starting.output(), /durable-orders is up/);
    const started = watched.stop();
    assert.ok(started.length >= 2, 'Temporal and PostgreSQL had started');
    await eventually(async () => (leftBehind().length === 0 && started.every((pid) => !isAlive(pid)) ? true : undefined), 15_000, 'no process left behind');
  });

  it('refuses to start with a one-line message when a setting is malformed', async () => {
    const broken = spawnProject(['start'], { ...env, API_PORT: 'eighty' });
    const { code } = await broken.exited;
    assert.equal(code, 78);
    assert.match(broken.output().trim(), /^Invalid configuration: API_PORT: .+$/);
  });
});
