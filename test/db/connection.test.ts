import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { createPool, withConnection } from '../../src/infra/database';
import { testEnv } from '../harness/environment';

/** Breaks the connection's socket the way a stopped server does (ECONNRESET), without stopping the shared test server. */
function resetSocket(client: unknown): void {
  (client as { connection: { stream: Socket } }).connection.stream.destroy(Object.assign(new Error('read ECONNRESET (injected)'), { code: 'ECONNRESET' }));
}

describe('database connections whose server goes away', () => {
  let pool: ReturnType<typeof createPool>;
  beforeEach(() => (pool = createPool(testEnv().databaseUrl, 2)));
  afterEach(() => pool.end());

  it('fail the running query instead of crashing the process, and the dead connection is discarded', async () => {
    await assert.rejects(
      withConnection(pool, async (client) => {
        const running = client.query('SELECT pg_sleep(10)');
        resetSocket(client);
        await running;
      }),
      /ECONNRESET \(injected\)/,
    );
    assert.equal(pool.totalCount, 0, 'the dead connection is not handed out again');
    const { rows } = await pool.query<{ one: number }>('SELECT 1 AS one');
    assert.equal(rows[0]!.one, 1, 'the pool opens a new connection');
  });

  it('do not crash the process while checked out between queries, nor while idle in the pool', async () => {
    const client = await pool.connect();
    resetSocket(client); // no query running: pg emits 'error' on the client alone
    await new Promise((resolve) => setImmediate(resolve));
    client.release();
    assert.equal(pool.totalCount, 0, 'released dead, it is dropped');

    const idle = await pool.connect();
    idle.release();
    resetSocket(idle); // idle: the error goes to the pool
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(pool.totalCount, 0);
    assert.equal((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1);
  });
});
