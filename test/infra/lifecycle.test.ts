/**
 * Stopping on signals, with real processes: one Ctrl-C delivered several times (terminal, npm
 * and tsx each pass it on) stops in order; a later second one exits at once, and even then the
 * Temporal dev server a process started does not outlive it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPEATED_SIGNAL_WINDOW_MS } from '../../src/infra/lifecycle';
import { eventually } from '../harness/http';
import { isAlive } from '../harness/processes';

function runFixture(name: string, ...args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', name), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const printed = (pattern: RegExp) => eventually(async () => output.match(pattern) ?? undefined, 30_000, `${name} to print ${pattern}`);
  return { child, exited, printed, output: () => output };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('stopping on signals', function () {
  this.timeout(60_000);

  it('takes one Ctrl-C that arrives several times at once as one: the orderly stop runs to its end', async () => {
    const fixture = runFixture('slow-stop.ts', '3000');
    await fixture.printed(/ready/);
    fixture.child.kill('SIGINT');
    await sleep(50);
    fixture.child.kill('SIGINT');
    fixture.child.kill('SIGTERM');
    assert.equal(await fixture.exited, 0, fixture.output());
    assert.match(fixture.output(), /stopped/);
  });

  it('exits at once on a second Ctrl-C well after the first, without waiting for the stop', async () => {
    const fixture = runFixture('slow-stop.ts', '20000');
    await fixture.printed(/ready/);
    fixture.child.kill('SIGINT');
    await sleep(REPEATED_SIGNAL_WINDOW_MS * 2);
    fixture.child.kill('SIGINT');
    assert.equal(await fixture.exited, 130, fixture.output());
    assert.doesNotMatch(fixture.output(), /stopped/);
  });

  it('does not leave the Temporal dev server behind when the process exits without stopping it', async () => {
    const fixture = runFixture('exit-leaving-temporal.ts');
    const [, pid] = await fixture.printed(/^(\d+)$/m);
    assert.equal(await fixture.exited, 3, fixture.output());
    await eventually(async () => (isAlive(Number(pid)) ? undefined : true), 15_000, 'the Temporal dev server to stop');
  });
});
