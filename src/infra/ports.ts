import net from 'node:net';

/**
 * A TCP port that was free a moment ago on 127.0.0.1 (the OS picks it), kept from the next
 * programs that ask the OS for any free port. Linux soon hands a just-closed port out again
 * to the next bind(0) — another program's, such as the Temporal CLI choosing its internal ports
 * while our PostgreSQL is still starting on this one. A connection closed from the listening side
 * first leaves the port in TIME_WAIT (60 s on Linux), during which bind(0) passes it over while
 * an explicit listen on it still works (SO_REUSEADDR). The Temporal CLI reserves its ports the same way.
 */
export async function freePort(): Promise<number> {
  const server = net.createServer((socket) => socket.end());
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  try {
    await new Promise<void>((resolve) => {
      const client = net.connect({ host: '127.0.0.1', port });
      client.once('close', () => resolve());
      client.once('error', () => resolve()); // the reservation is a courtesy; the port is free either way
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return port;
}

/** Resolves once something accepts TCP connections on host:port, or rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Throws a clear error when a fixed port the user asked for is already taken (on `host`: all interfaces by default). */
export async function assertPortFree(port: number, what: string, envVar: string, host = '0.0.0.0'): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`${what} port ${port} ${error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${error.code})`}; stop whatever uses it or set ${envVar}`)),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
