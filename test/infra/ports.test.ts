/**
 * freePort() on the real network stack: the ports it picks are not handed by the OS to the
 * next programs asking for any free port (the Temporal CLI picks its internal ports that
 * way while our PostgreSQL starts in parallel), yet can be listened on at once.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort } from '../../src/infra/ports';

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const close = (server: net.Server) => new Promise((resolve) => server.close(resolve));

describe('freePort', () => {
  it('keeps its ports from the next 300 requests for any free port, and each can be listened on right away', async () => {
    const ours: number[] = [];
    for (let i = 0; i < 20; i++) ours.push(await freePort());
    assert.equal(new Set(ours).size, ours.length, 'twenty different ports');
    const others = await Promise.all(Array.from({ length: 300 }, () => listen(0)));
    try {
      const taken = others.map((server) => (server.address() as net.AddressInfo).port).filter((port) => ours.includes(port));
      assert.deepEqual(taken, [], 'no other program was given one of our ports');
    } finally {
      await Promise.all(others.map(close));
    }
    for (const port of ours) await close(await listen(port));
  });
});
