/** `durable-orders accrual-simulator` on its own, configured by the environment (latency, 500s, timings, rate limit). */
import assert from 'node:assert/strict';
import { freePort } from '../../src/infra/ports';
import { request } from '../harness/http';
import { freshOrderNumber } from '../harness/loyalty';
import { spawnProject } from '../harness/processes';

describe('the standalone accrual simulator', () => {
  async function startSimulator(settings: Record<string, string>) {
    const simulator = spawnProject(['accrual-simulator'], { ...process.env, ACCRUAL_SIMULATOR_PORT: String(await freePort()), ...settings });
    const [, url] = await simulator.waitFor(/accrual simulator listening on (\S+)/);
    const register = async (number: string) =>
      assert.equal((await request('POST', `${url}/api/orders`, { json: { order: number, goods: [{ description: 'x', price: 1 }] } })).status, 202);
    const poll = (number: string) => request('GET', `${url}/api/orders/${number}`);
    const stop = async () => {
      simulator.child.kill('SIGINT');
      assert.equal((await simulator.exited).code, 0, 'stops on SIGINT');
    };
    return { register, poll, stop };
  }

  it('takes its latency, injected 500s, order timings and rate limit from the environment', async function () {
    this.timeout(60_000);
    const [failing, slow] = await Promise.all([
      startSimulator({ ACCRUAL_SIMULATOR_LATENCY_MS: '300', ACCRUAL_SIMULATOR_FAILURE_RATE: '1', ACCRUAL_SIMULATOR_REQUESTS_PER_MINUTE: '3' }),
      startSimulator({ ACCRUAL_SIMULATOR_REGISTERED_MS: '0', ACCRUAL_SIMULATOR_PROCESSING_MS: '60000' }),
    ]);
    try {
      const number = freshOrderNumber();
      const started = Date.now();
      await failing.register(number);
      assert.ok(Date.now() - started >= 300, 'every answer waits ACCRUAL_SIMULATOR_LATENCY_MS');
      for (let i = 0; i < 3; i++) assert.equal((await failing.poll(number)).status, 500, 'ACCRUAL_SIMULATOR_FAILURE_RATE=1: every poll fails');
      const limited = await failing.poll(number);
      assert.equal(limited.status, 429, 'the fourth request of the minute');
      assert.equal(limited.body, 'No more than 3 requests per minute allowed');

      await slow.register(number);
      assert.equal((await slow.poll(number)).body.status, 'PROCESSING', 'REGISTERED for 0 ms, then PROCESSING for a minute');
    } finally {
      await Promise.all([failing.stop(), slow.stop()]);
    }
  });
});
