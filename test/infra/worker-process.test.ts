/**
 * `npm run worker` as production runs it: the SDK's Prometheus exporter and our metrics
 * on their ports, SDK logs (with workflow and activity context) in our JSON log stream,
 * and a clean exit on SIGTERM.
 */
import assert from 'node:assert/strict';
import { accrualWorkflowId } from '../../src/domain/loyalty/ids';
import { freePort } from '../../src/infra/ports';
import { startAccrualSimulator, type AccrualSimulator } from '../../src/simulators/accrual/server';
import { TEMPORAL_SDK_METRICS } from '../../src/infra/metrics';
import { testEnv } from '../harness/environment';
import { eventually, request } from '../harness/http';
import { freshOrderNumber, registerUser } from '../harness/loyalty';
import { orderBody, submit, waitForStatus } from '../harness/orders';
import { spawnProject, type Spawned } from '../harness/processes';
import { startProviders, type SimulatedProviders } from '../harness/providers';
import { startServices, type TestServices } from '../harness/services';

function jsonLines(process: Spawned): any[] {
  return process
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}

describe('worker process (npm run worker)', function () {
  this.timeout(120_000);
  let worker: Spawned;
  let sdkPort: number;
  let businessPort: number;
  let providers: SimulatedProviders;
  let services: TestServices;
  let accrual: AccrualSimulator;

  before(async () => {
    sdkPort = await freePort();
    businessPort = await freePort();
    providers = await startProviders({ pizza: { behavior: { prices: { margherita: 1250 } } } });
    services = await startServices({ providers: providers.configs, inProcessWorker: false });
    accrual = await startAccrualSimulator({ behaviour: { registeredMs: 0, processingMs: 0 } });
    worker = spawnProject(['worker'], {
      ...services.workerEnv,
      ACCRUAL_SYSTEM_ADDRESS: accrual.url,
      ACCRUAL_TASK_QUEUE: services.accrualSettings.accrualTaskQueue,
      WORKER_METRICS_PORT: String(sdkPort),
      WORKER_BUSINESS_METRICS_PORT: String(businessPort),
      LOG_LEVEL: 'debug',
    });
    await worker.waitFor(/worker polling/);
  });
  after(async () => {
    if (worker.child.exitCode === null) {
      worker.child.kill('SIGKILL');
      await worker.exited;
    }
    await services.stop();
    await providers.simulator.stop();
    await accrual.close();
  });

  it('runs orders, logging SDK lines with workflow and activity context as JSON', async () => {
    const order = await submit(services.apiUrl, orderBody([{ provider: 'pizza', sku: 'margherita', quantity: 1, unitPrice: '12.50' }]));
    await waitForStatus(services.apiUrl, order.id, 'COMPLETED');
    const handle = testEnv().client.workflow.getHandle(order.workflowId);
    const { runId } = await handle.describe();
    const lines = jsonLines(worker);
    const activityLine = lines.find((line) => line.activityType === 'quoteWithProvider' && line.workflowId === handle.workflowId);
    assert.ok(activityLine, `no activity log line with context:\n${worker.output()}`);
    assert.equal(activityLine.workflowRunId, runId);
    assert.equal(activityLine.component, 'temporal');

    // Outbound calls say which order, workflow run, activity and provider made them.
    const outbound = lines.filter((line) => line.target === 'provider:pizza' && line.workflowId === handle.workflowId);
    assert.ok(outbound.length > 0, `no outbound line for ${handle.workflowId}:\n${worker.output()}`);
    for (const line of outbound) {
      assert.deepEqual([line.workflowRunId, line.orderId, line.provider], [runId, order.id, 'pizza']);
      assert.match(line.activityType, /WithProvider$|^pollProvider$/);
    }
    // Tracing is off here: workflow lines carry no trace ids (they would name traces never exported).
    const workflowLines = lines.filter((line) => line.msg === 'order status changed' && line.workflowId === handle.workflowId);
    assert.ok(workflowLines.length > 0, 'workflow log lines reach the process log');
    assert.ok(workflowLines.every((line) => line.trace_id === undefined && line.span_id === undefined), JSON.stringify(workflowLines[0]));
  });

  it('logs every request to the accrual system like any outbound call, with the accrual workflow and activity', async () => {
    const user = await registerUser(services.apiUrl);
    const number = freshOrderNumber();
    accrual.registerOrder(number, [{ description: 'x', price: 1 }]);
    assert.equal((await user.upload(number)).status, 202);
    await testEnv().client.workflow.getHandle(accrualWorkflowId(number)).result(); // final (INVALID: no reward rule matches)
    const lines = jsonLines(worker).filter((line) => line.target === 'accrual' && line.workflowId === accrualWorkflowId(number));
    assert.ok(lines.length > 0, `no outbound line for the accrual of ${number}:\n${worker.output()}`);
    for (const line of lines) {
      assert.deepEqual([line.method, line.path, line.activityType], ['GET', `/api/orders/${number}`, 'checkAccrual']);
      assert.equal(typeof line.durationMs, 'number');
    }
    assert.equal(lines.at(-1).statusCode, 200, 'the final answer is logged with its status');
  });

  it('serves the Temporal SDK metrics (temporal_*) and our metrics on their ports', async () => {
    const expected = [...TEMPORAL_SDK_METRICS.histograms, ...TEMPORAL_SDK_METRICS.others].filter(
      (name) => !(TEMPORAL_SDK_METRICS.onEvent as readonly string[]).includes(name),
    );
    const present = (text: string, name: string) => new RegExp(`^${name}(_bucket)?[{ ]`, 'm').test(text);
    const scrape = async (): Promise<string> => (await request('GET', `http://127.0.0.1:${sdkPort}/metrics`)).body;
    const sdk = await eventually(async () => {
      const text = await scrape();
      return expected.every((name) => present(text, name)) ? text : undefined;
    }, 15_000, 'the SDK metrics our dashboards use').catch(async (error) => {
      const text = await scrape();
      const missing = expected.filter((name) => !present(text, name));
      throw new Error(`${error.message}; missing ${missing.join(', ')}`);
    });
    assert.match(sdk, /^temporal_/m);
    const ours: string = (await request('GET', `http://127.0.0.1:${businessPort}/metrics`)).body;
    assert.match(ours, /^# TYPE orders_processing_duration_seconds histogram$/m);
    assert.match(ours, /^process_cpu_user_seconds_total /m);
  });

  it('drains and exits 0 on SIGTERM', async () => {
    worker.child.kill('SIGTERM');
    const { code } = await worker.exited;
    assert.equal(code, 0, worker.output());
    assert.match(worker.output(), /shutting down/);
  });
});
