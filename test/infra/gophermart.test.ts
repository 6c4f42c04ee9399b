/**
 * The single-binary mode as Gophermart test suites use it: `bin/gophermart` started
 * from another directory with only RUN_ADDRESS, DATABASE_URI and ACCRUAL_SYSTEM_ADDRESS
 * (plus the Temporal CLI cache location and node's folder as PATH), accepting connections within 20 s, driven
 * over HTTP, stopped with SIGINT, leaving no process behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { parseDatabaseUrl } from '../../src/infra/database';
import { createDatabaseIfMissing } from '../../src/infra/postgres';
import { freePort, waitForPort } from '../../src/infra/ports';
import { normalizeAccrualAddress } from '../../src/config';
import { gophermartConfig, parseFlags, splitRunAddress } from '../../src/processes/gophermart';
import { startAccrualSimulator, type AccrualSimulator } from '../../src/simulators/accrual/server';
import { testEnv } from '../harness/environment';
import { eventually } from '../harness/http';
import { freshOrderNumber, registerUser } from '../harness/loyalty';
import { descendants, isAlive, ROOT } from '../harness/processes';

describe('bin/gophermart (single-binary mode)', function () {
  this.timeout(120_000);
  let simulator: AccrualSimulator;
  before(async () => {
    simulator = await startAccrualSimulator({ behaviour: { registeredMs: 100, processingMs: 100 } });
    simulator.addRule({ match: 'Bork', reward: 5, reward_type: '%' });
  });
  after(() => simulator.close());

  it('reads flags the Go way, and addresses with an empty host as all interfaces', () => {
    assert.deepEqual(parseFlags(['-a', ':8080', '-d=postgres://x/y', '--r', 'localhost:1']), {
      RUN_ADDRESS: ':8080',
      DATABASE_URI: 'postgres://x/y',
      ACCRUAL_SYSTEM_ADDRESS: 'localhost:1',
    });
    assert.throws(() => parseFlags(['-x', '1']), /unknown argument/);
    assert.deepEqual(splitRunAddress(':8080'), { host: '0.0.0.0', port: 8080 });
    assert.deepEqual(splitRunAddress('localhost:81'), { host: 'localhost', port: 81 });
  });

  it('lets an environment variable win over its flag, and takes the accrual address with or without http://', () => {
    const config = gophermartConfig(['-a', ':1111', '-r', 'flag-host:1'], { RUN_ADDRESS: ':2222', ACCRUAL_SYSTEM_ADDRESS: '' });
    assert.equal(config.RUN_ADDRESS, ':2222');
    assert.equal(config.ACCRUAL_SYSTEM_ADDRESS, 'http://flag-host:1', 'an empty variable counts as unset');
    assert.equal(gophermartConfig([], {}).RUN_ADDRESS, ':8080');
    assert.equal(normalizeAccrualAddress('localhost:8081'), 'http://localhost:8081');
    assert.equal(normalizeAccrualAddress('http://127.0.0.1:8081/'), 'http://127.0.0.1:8081');
    assert.equal(normalizeAccrualAddress('https://accrual.example/base'), 'https://accrual.example/base');
    assert.throws(() => normalizeAccrualAddress('ftp://x'));
    assert.throws(() => gophermartConfig(['-r', 'ftp://x'], {}), /ACCRUAL_SYSTEM_ADDRESS/);
    assert.throws(() => gophermartConfig(['-a', 'nonsense'], {}), /RUN_ADDRESS/);
  });

  it('starts with only the three variables, serves the contract, and stops cleanly on SIGINT', async () => {
    const admin = new URL(parseDatabaseUrl(testEnv().databaseUrl).connectionString);
    const database = `gophermart_${Date.now()}`;
    admin.pathname = '/postgres';
    await createDatabaseIfMissing(admin.toString(), database);
    admin.pathname = `/${database}`;
    const port = await freePort();
    const env = {
      RUN_ADDRESS: `:${port}`,
      DATABASE_URI: admin.toString(),
      ACCRUAL_SYSTEM_ADDRESS: simulator.url.replace(/^http:\/\//, ''), // bare host:port is accepted
      DURABLE_ORDERS_CACHE_DIR: process.env.DURABLE_ORDERS_CACHE_DIR ?? path.join(ROOT, '.cache'),
      // Only so the script finds `node` wherever this machine keeps it (nvm, /usr/local...).
      PATH: path.dirname(process.execPath),
    };
    const started = Date.now();
    const child = spawn(path.join(ROOT, 'bin', 'gophermart'), [], { cwd: os.tmpdir(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitForPort('127.0.0.1', port, 20_000).catch((error) => assert.fail(`${error.message}\n${output}`));
      assert.ok(Date.now() - started < 20_000);

      const api = `http://127.0.0.1:${port}`;
      const user = await registerUser(api);
      const number = freshOrderNumber();
      simulator.registerOrder(number, [{ description: 'Bork', price: 1000 }]);
      assert.equal((await user.upload(number)).status, 202);
      const order = await eventually(async () => {
        const list = await user.call('GET', '/api/user/orders');
        return list.body?.[0]?.status === 'PROCESSED' ? list.body[0] : undefined;
      }, 30_000, 'PROCESSED');
      assert.equal(order.accrual, 50);
      assert.equal((await user.call('POST', '/api/user/balance/withdraw', { json: { order: freshOrderNumber(), sum: 20 } })).status, 200);
      assert.deepEqual((await user.call('GET', '/api/user/balance')).body, { current: 30, withdrawn: 20 });
    } finally {
      const children = descendants(child.pid!);
      assert.ok(children.length >= 1, 'it runs the Temporal dev server as a child');
      child.kill('SIGINT');
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))]);
      if (code === 'timeout') child.kill('SIGKILL');
      assert.equal(code, 0, output);
      await eventually(async () => (children.every((pid) => !isAlive(pid)) ? true : undefined), 15_000, 'children to exit');
    }
  });
});
