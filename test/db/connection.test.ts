import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { createPool, withConnection } from '../../src/infra/database';
import { testEnv } from '../harness/environment';

/** Breaks the connection's socket the way a stopped server does (ECONNRESET), without stopping the shared test server. */
function resetSocket(client: unknown): void {
  (client as { connection: { stream: Socket } }).connection.stream.destroy(Object.assign(new Error('read ECONNRESET (injected)'), { code: 'ECONNRESET' }));
}

describe('withConnection (a checked-out database connection)', () => {
  it('fails the running query when the socket dies, instead of crashing the process, and discards the connection', async () => {
    const pool = createPool(testEnv().databaseUrl, 2);
    try {
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
    } finally {
      await pool.end();
    }
  });
});
