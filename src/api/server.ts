import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningServer {
  url: string;
  port: number;
  /**
   * Stops accepting connections and resolves once in-flight requests finished, or
   * after `graceMs`, when remaining connections are cut (a client retrying on a
   * keep-alive connection could otherwise hold shutdown open indefinitely).
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Serves `app` (an express app or any node:http handler) on `host`, or on each of several
 * addresses (one port; port 0 picks a free one for the first and uses it for all). An
 * empty host means every interface (IPv6 and IPv4 when the machine has IPv6).
 */
export async function listen(app: http.RequestListener, host: string | readonly string[], port: number): Promise<RunningServer> {
  const hosts = typeof host === 'string' ? [host] : host;
  const servers: http.Server[] = [];
  let actual = port;
  try {
    for (const address of hosts) {
      const server = http.createServer(app);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(actual, address || undefined, () => resolve());
      });
      servers.push(server);
      actual = (server.address() as AddressInfo).port;
    }
  } catch (error) {
    await Promise.all(servers.map((server) => closeGracefully(server, 0)));
    throw error;
  }
  const first = hosts[0] ?? '';
  const shownHost = first === '0.0.0.0' || first === '::' || first === '' ? 'localhost' : first.includes(':') ? `[${first}]` : first;
  return {
    url: `http://${shownHost}:${actual}`,
    port: actual,
    close: async (graceMs = 10_000) => {
      await Promise.all(servers.map((server) => closeGracefully(server, graceMs)));
    },
  };
}

function closeGracefully(server: http.Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    // Keep-alive connections turn idle as their last response ends: close them then,
    // not after the keep-alive timeout. Past the grace period, cut whatever is left.
    const reaper = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearInterval(reaper);
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}
