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

/** Serves `app` (an express app or any node:http handler). */
export async function listen(app: http.RequestListener, host: string, port: number): Promise<RunningServer> {
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host;
  return {
    url: `http://${shownHost}:${actual}`,
    port: actual,
    close: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
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
      }),
  };
}
