/**
 * Stopping on signals, with real processes: one Ctrl-C delivered several times (terminal, npm
 * and tsx each pass it on) stops in order; a later second one exits at once, and even then the
 * Temporal dev server a process started does not outlive it; a dev server that cannot start says why,
 * and one stopped within its first start does not break the next.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPEATED_SIGNAL_WINDOW_MS } from '../../src/infra/lifecycle';
import { freePort } from '../../src/infra/ports';
import { resolveTemporalCli } from '../../src/infra/temporal-cli';
import { startTemporalDevServer } from '../../src/infra/temporal-dev-server';
import { eventually } from '../harness/http';
import { isAlive, spawnScript } from '../harness/processes';

const runFixture = (name: string, ...args: string[]) => spawnScript(path.join(__dirname, 'fixtures', name), args);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stopping on signals', function () {
  this.timeout(60_000);

  it('takes one Ctrl-C that arrives several times at once as one: the orderly stop runs to its end', async () => {
    const fixture = runFixture('slow-stop.ts', '3000');
    await fixture.waitFor(/ready/);
    fixture.child.kill('SIGINT');
    await sleep(50);
    fixture.child.kill('SIGINT');
    fixture.child.kill('SIGTERM');
    assert.equal((await fixture.exited).code, 0, fixture.output());
    assert.match(fixture.output(), /stopped/);
  });

  it('exits at once on a second Ctrl-C well after the first, without waiting for the stop', async () => {
    const fixture = runFixture('slow-stop.ts', '20000');
    await fixture.waitFor(/ready/);
    fixture.child.kill('SIGINT');
    await sleep(REPEATED_SIGNAL_WINDOW_MS * 2);
    fixture.child.kill('SIGINT');
    assert.equal((await fixture.exited).code, 130, fixture.output());
    assert.doesNotMatch(fixture.output(), /stopped/);
  });

  it('does not leave the Temporal dev server behind when the process exits without stopping it', async () => {
    const fixture = runFixture('exit-leaving-temporal.ts');
    const [, pid] = await fixture.waitFor(/^(\d+)$/m);
    assert.equal((await fixture.exited).code, 3, fixture.output());
    await eventually(async () => (isAlive(Number(pid)) ? undefined : true), 15_000, 'the Temporal dev server to stop');
  });

  it('says why the Temporal dev server could not start (its own error line), not only where its log is', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-orders-devserver-'));
    const logFile = path.join(dir, 'temporal-server.log');
    fs.writeFileSync(logFile, 'time=earlier level=ERROR msg="a failure of an earlier run"\n');
    try {
      const start = startTemporalDevServer({
        binary: (await resolveTemporalCli()).path,
        port: await freePort(),
        uiPort: (taken.address() as net.AddressInfo).port,
        logFile,
        namespace: 'default',
      });
      await assert.rejects(start, (error: Error) => {
        assert.match(error.message, /exited during start-up \(code 1\): .*address already in use; see /);
        assert.doesNotMatch(error.message, /earlier run/);
        return true;
      });
    } finally {
      taken.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('a Temporal database file', () => {
    let dir: string;
    let dbFile: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-orders-devserver-'));
      dbFile = path.join(dir, 'temporal.db');
      fs.writeFileSync(dbFile, 'not a database: what a first start killed within its schema set-up leaves unusable');
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const start = async () =>
      startTemporalDevServer({ binary: (await resolveTemporalCli()).path, port: await freePort(), dbFile, logFile: path.join(dir, 'server.log'), namespace: 'default' });

    it('that never finished its first start is set aside, and the server starts on a fresh one', async () => {
      fs.writeFileSync(`${dbFile}.first-start`, 'left by a first start that never completed');
      const server = await start();
      try {
        assert.ok(server.setAside, 'says where the incomplete file went');
        assert.match(fs.readFileSync(server.setAside, 'utf8'), /^not a database/);
        assert.ok(!fs.existsSync(`${dbFile}.first-start`), 'the fresh file finished its first start');
      } finally {
        await server.stop();
      }
      const again = await start(); // an ordinary restart on the file just made
      await again.stop();
      assert.equal(again.setAside, undefined);
    });

    it('that finished its first start is never touched, even when the server cannot use it', async () => {
      await assert.rejects(start(), /file is not a database/);
      assert.match(fs.readFileSync(dbFile, 'utf8'), /^not a database/);
    });
  });
});
