/**
 * The single-binary mode as the Gophermart test suites (Yandex-Practicum/go-autotests,
 * `cmd/gophermarttest`, `internal/fork`) run it: `bin/gophermart` started from another
 * directory with RUN_ADDRESS, DATABASE_URI and ACCRUAL_SYSTEM_ADDRESS, stdout and stderr
 * pipes that nobody reads until the process has exited, readiness by dialling the port
 * on 127.0.0.1 for up to 20 s, clients polling for PROCESSED for up to 20 s, and SIGINT
 * followed by a wait without a timeout.
 *
 * Beyond the three variables the child gets only what this machine needs to run it:
 * node's folder as PATH, and DURABLE_ORDERS_CACHE_DIR where the Temporal CLI is cached
 * (a fresh checkout gets the CLI at install time instead).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseDatabaseUrl } from '../../src/infra/database';
import { createDatabaseIfMissing } from '../../src/infra/postgres';
import { freePort, waitForPort } from '../../src/infra/ports';
import { normalizeAccrualAddress } from '../../src/config';
import { listen } from '../../src/api/server';
import { gophermartApiOptions, gophermartConfig, parseFlags, runAddressHosts, splitRunAddress } from '../../src/processes/gophermart';
import { startAccrualSimulator, type AccrualSimulator } from '../../src/simulators/accrual/server';
import { testEnv } from '../harness/environment';
import { eventually } from '../harness/http';
import { freshOrderNumber, registerUser } from '../harness/loyalty';
import { descendants, isAlive, ROOT, watchDescendants } from '../harness/processes';

/** What the contract's clients allow: accepting connections, and PROCESSED after an upload. */
const CONTRACT_LIMIT_MS = 20_000;
/** "Exit promptly" made concrete: the Go harness waits for the exit without any timeout. */
const PROMPT_EXIT_MS = 10_000;

describe('bin/gophermart (single-binary mode)', function () {
  this.timeout(180_000);
  let simulator: AccrualSimulator;
  before(async () => {
    simulator = await startAccrualSimulator({ behaviour: { registeredMs: 100, processingMs: 100 } });
    simulator.addRule({ match: 'Bork', reward: 5, reward_type: '%' });
  });
  after(() => simulator.close());

  /** A fresh database on the test PostgreSQL, and the environment the Go harness passes. */
  async function harnessEnv(port: number, extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> {
    const url = new URL(parseDatabaseUrl(testEnv().databaseUrl).connectionString);
    const database = `gophermart_${Date.now()}_${port}`;
    url.pathname = '/postgres';
    await createDatabaseIfMissing(url.toString(), database);
    url.pathname = `/${database}`;
    return {
      RUN_ADDRESS: `localhost:${port}`, // what the suite's -gophermart-host usually is
      DATABASE_URI: url.toString(),
      ACCRUAL_SYSTEM_ADDRESS: simulator.url,
      DURABLE_ORDERS_CACHE_DIR: process.env.DURABLE_ORDERS_CACHE_DIR ?? path.join(ROOT, '.cache'),
      PATH: path.dirname(process.execPath),
      ...extra,
    };
  }

  it('reads flags the Go way, and addresses with an empty host as all interfaces', () => {
    assert.deepEqual(parseFlags(['-a', ':8080', '-d=postgres://x/y', '--r', 'localhost:1']), {
      RUN_ADDRESS: ':8080',
      DATABASE_URI: 'postgres://x/y',
      ACCRUAL_SYSTEM_ADDRESS: 'localhost:1',
    });
    assert.throws(() => parseFlags(['-x', '1']), /unknown argument/);
    assert.deepEqual(splitRunAddress(':8080'), { host: '', port: 8080 });
    assert.deepEqual(splitRunAddress('localhost:81'), { host: 'localhost', port: 81 });
    assert.deepEqual(splitRunAddress('[::1]:82'), { host: '::1', port: 82 });
  });

  it('listens on every address RUN_ADDRESS names: localhost as both 127.0.0.1 and ::1 where /etc/hosts lists both', async () => {
    // An Ubuntu runner's /etc/hosts, where Node's resolver puts ::1 first.
    const ubuntu = async () => [{ address: '::1' }, { address: '127.0.0.1' }, { address: '127.0.0.1' }];
    const hosts = await runAddressHosts('localhost', ubuntu);
    assert.deepEqual(hosts, ['::1', '127.0.0.1']);
    assert.deepEqual(await runAddressHosts('', ubuntu), [''], 'an empty host is every interface');
    assert.deepEqual(await runAddressHosts('10.1.2.3', ubuntu), ['10.1.2.3'], 'an IP is itself');
    await assert.rejects(runAddressHosts('no-such-host.invalid'), /RUN_ADDRESS: cannot resolve "no-such-host.invalid"/);

    const server = await listen((_req, res) => res.end('ok'), hosts, 0);
    try {
      for (const url of [`http://127.0.0.1:${server.port}/`, `http://[::1]:${server.port}/`]) assert.equal(await (await fetch(url)).text(), 'ok', url);
    } finally {
      await server.close();
    }
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

  it('has no rate limit unless RATE_LIMIT_MAX is set (the API-wide variables apply too)', () => {
    assert.deepEqual(gophermartApiOptions(gophermartConfig([], {})).limits.rateLimit, { max: 0, windowMs: 60_000 });
    const set = gophermartApiOptions(gophermartConfig([], { RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW_SECONDS: '10', API_BODY_LIMIT_BYTES: '2048', API_TRUST_PROXY: '1' }));
    assert.deepEqual(set.limits, { bodyLimitBytes: 2048, rateLimit: { max: 5, windowMs: 10_000 } });
    assert.equal(set.trustProxy, 1);
  });

  it('accepts connections within 20 s with only the three variables, shows PROCESSED within 20 s of the upload, and exits promptly on SIGINT', async () => {
    const port = await freePort();
    const env = await harnessEnv(port, { ACCRUAL_SYSTEM_ADDRESS: simulator.url.replace(/^http:\/\//, '') }); // bare host:port is accepted
    const gophermart = spawnLikeGoHarness(env);
    try {
      await waitForPort('127.0.0.1', port, CONTRACT_LIMIT_MS).catch((error) => assert.fail(`${error.message}\n${gophermart.stop()}`));
      assert.ok(Date.now() - gophermart.startedAt < CONTRACT_LIMIT_MS);

      // Like the suite: the order is registered with the accrual system, then uploaded at once.
      const api = `http://localhost:${port}`;
      const user = await registerUser(api);
      const number = freshOrderNumber();
      simulator.registerOrder(number, [{ description: 'Bork', price: 1000 }]);
      const uploaded = Date.now();
      assert.equal((await user.upload(number)).status, 202);
      const order = await eventually(async () => {
        const list = await user.call('GET', '/api/user/orders');
        return list.body?.[0]?.status === 'PROCESSED' ? list.body[0] : undefined;
      }, CONTRACT_LIMIT_MS - (Date.now() - uploaded), 'PROCESSED');
      assert.equal(order.accrual, 50);
      assert.equal((await user.call('POST', '/api/user/balance/withdraw', { json: { order: freshOrderNumber(), sum: 20 } })).status, 200);
      assert.deepEqual((await user.call('GET', '/api/user/balance')).body, { current: 30, withdrawn: 20 });
    } finally {
      const { code, ms, output } = await gophermart.interrupt();
      assert.equal(code, 0, output);
      assert.ok(ms < PROMPT_EXIT_MS, `exited ${ms} ms after SIGINT`);
    }
  });

  it('answers 1300 requests from one client, and exits promptly on SIGINT while tens of kilobytes of its logs sit unread in a full stdout pipe', async () => {
    const port = await freePort();
    // A LOG_LEVEL in the harness's environment turns the per-request lines on: the pipe fills.
    const gophermart = spawnLikeGoHarness(await harnessEnv(port, { LOG_LEVEL: 'info' }));
    try {
      await waitForPort('127.0.0.1', port, CONTRACT_LIMIT_MS);
      const user = await registerUser(`http://127.0.0.1:${port}`);
      // More than the service-wide limit of 1200 a minute per client: none here unless RATE_LIMIT_MAX is set.
      for (let batch = 0; batch < 65; batch++) {
        const statuses = await Promise.all(Array.from({ length: 20 }, async () => (await user.call('GET', '/api/user/balance')).status));
        assert.deepEqual(new Set(statuses), new Set([200]));
      }
    } finally {
      const { code, ms, output } = await gophermart.interrupt();
      // A pipe holds at most 64 KiB, less when written in small pieces: tens of KiB left unread means it filled up.
      assert.ok(Buffer.byteLength(output) >= 32 * 1024, `the pipe filled up (${Buffer.byteLength(output)} bytes unread)`);
      assert.equal(code, 0, output.slice(-2000));
      assert.ok(ms < PROMPT_EXIT_MS, `exited ${ms} ms after SIGINT`);
    }
  });

  it('stops whatever it has started and exits 0, promptly, on a SIGINT at any moment of its start-up', async () => {
    // From the first child process to the very last start-up step; and a Ctrl-C in a terminal,
    // which signals the whole process group: Temporal stops at once, under a worker still loading.
    const moments = [
      { pattern: /starting the Temporal dev server/, group: false },
      { pattern: /gophermart API listening/, group: false },
      { pattern: /worker polling/, group: false },
      { pattern: /gophermart API listening/, group: true },
    ];
    for (const { pattern, group } of moments) {
      const what = `${group ? 'Ctrl-C' : 'SIGINT'} at ${pattern}`;
      const port = await freePort();
      const child = spawn(path.join(ROOT, 'bin', 'gophermart'), [], {
        cwd: os.tmpdir(),
        env: await harnessEnv(port),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: group, // its own process group, to signal as a terminal does
      });
      const watched = watchDescendants(child);
      const output = await outputUntil(child, pattern);
      const exited = exitOf(child);
      if (group) process.kill(-child.pid!, 'SIGINT');
      else child.kill('SIGINT');
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), PROMPT_EXIT_MS).unref());
      const result = await Promise.race([exited, timeout]);
      if (result === 'timeout') child.kill('SIGKILL');
      const started = watched.stop();
      assert.notEqual(result, 'timeout', `still running ${PROMPT_EXIT_MS} ms after a ${what}:\n${output()}`);
      assert.equal(result[0], 0, `${what}:\n${output()}`);
      assert.ok(started.length >= 1, `by ${pattern} the Temporal dev server was running`);
      await eventually(async () => (started.every((pid) => !isAlive(pid)) ? true : undefined), 15_000, `every child of a ${what} to exit`);
    }
  });

  it('fails with a message naming RUN_ADDRESS, and leaves no process behind, when its port is taken', async () => {
    const port = await freePort();
    const squatter = net.createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    try {
      const child = spawn(path.join(ROOT, 'bin', 'gophermart'), [], { cwd: os.tmpdir(), env: await harnessEnv(port), stdio: ['ignore', 'pipe', 'pipe'] });
      const watched = watchDescendants(child);
      const output = collect(child);
      const [code] = await exitOf(child);
      const started = watched.stop();
      assert.notEqual(code, 0);
      assert.match(output(), /RUN_ADDRESS/);
      assert.ok(started.every((pid) => !isAlive(pid)), `left behind: ${started.filter(isAlive).join(', ')}`);
    } finally {
      squatter.close();
    }
  });
});

/**
 * `bin/gophermart` with stdout and stderr connected like the Go harness's `os.Pipe()`s:
 * real (blocking) pipes, read only after the process has exited.
 */
function spawnLikeGoHarness(env: NodeJS.ProcessEnv) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gophermart-pipes-'));
  const pipes = ['stdout', 'stderr'].map((name) => {
    const fifo = path.join(dir, name);
    execFileSync('mkfifo', [fifo]);
    const read = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    return { read, write: fs.openSync(fifo, fs.constants.O_WRONLY) };
  });
  const startedAt = Date.now();
  const child = spawn(path.join(ROOT, 'bin', 'gophermart'), [], { cwd: os.tmpdir(), env, stdio: ['ignore', pipes[0]!.write, pipes[1]!.write] });
  for (const pipe of pipes) fs.closeSync(pipe.write);
  const exited = exitOf(child);
  /** Everything still in the pipes; kills the child first if it is still running. */
  const stop = (): string => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const text = pipes.map((pipe) => drain(pipe.read)).join('');
    fs.rmSync(dir, { recursive: true, force: true });
    return text;
  };
  return {
    startedAt,
    stop,
    /** SIGINT, then the exit (given up after PROMPT_EXIT_MS + 10 s), then the pipes; no child may outlive it. */
    async interrupt(): Promise<{ code: number | null; ms: number; output: string }> {
      const children = descendants(child.pid!);
      assert.ok(children.length >= 1, 'it runs the Temporal dev server as a child');
      const sent = Date.now();
      child.kill('SIGINT');
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), PROMPT_EXIT_MS + 10_000).unref());
      const result = await Promise.race([exited, timeout]);
      const ms = Date.now() - sent;
      const output = stop();
      assert.notEqual(result, 'timeout', `still running ${ms} ms after SIGINT; unread output ends with:\n${output.slice(-2000)}`);
      await eventually(async () => (children.every((pid) => !isAlive(pid)) ? true : undefined), 15_000, 'children to exit');
      return { code: result === 'timeout' ? null : result[0], ms, output };
    },
  };
}

function drain(fd: number): string {
  const chunks: Buffer[] = [];
  const buffer = Buffer.alloc(64 * 1024);
  try {
    for (let n; (n = fs.readSync(fd, buffer)) > 0; ) chunks.push(Buffer.from(buffer.subarray(0, n)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
  } finally {
    fs.closeSync(fd);
  }
  return Buffer.concat(chunks).toString();
}

function exitOf(child: ChildProcess): Promise<[number | null, NodeJS.Signals | null]> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
}

function collect(child: ChildProcess): () => string {
  let text = '';
  child.stdout!.on('data', (chunk) => (text += chunk));
  child.stderr!.on('data', (chunk) => (text += chunk));
  return () => text;
}

/** Resolves once the child's output matches `pattern`; fails if it exits first. */
async function outputUntil(child: ChildProcess, pattern: RegExp): Promise<() => string> {
  const output = collect(child);
  await eventually(async () => {
    if (pattern.test(output())) return true;
    if (child.exitCode !== null) assert.fail(`exited before ${pattern}:\n${output()}`);
    return undefined;
  }, 60_000, String(pattern));
  return output;
}
