/** One structured JSON logger for every process; children carry context (orderId, requestId...). */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Keys whose values never reach the log stream, at the top level and up to three levels down. */
const SECRET_KEYS = ['password', 'token', 'accessToken', 'refreshToken', 'secret', 'apiKey', 'authorization', 'cookie'];
const SECRET_HEADERS = ['authorization', 'cookie', '["set-cookie"]', '["x-api-key"]', '["proxy-authorization"]'];

export const REDACTED_PATHS = [
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]),
  ...SECRET_HEADERS.flatMap((header) => [`headers.${header}`.replace('.[', '['), `*.headers.${header}`.replace('.[', '[')]),
];

export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  name = 'durable-orders',
  destination: DestinationStream = standardOutput(),
): Logger {
  return pino(
    {
      name,
      level,
      // Never let a credential reach the log stream, whatever object is logged.
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

/** How long the final flush at exit waits for a reader of a full stdout pipe before dropping the rest. */
export const EXIT_FLUSH_MS = 300;
/** Log bytes kept in memory while stdout does not drain; later lines are dropped. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

let stdout: DestinationStream | undefined;

/**
 * Standard output that never holds the process. A harness may read our stdout pipe only
 * after we exited (the Go Gophermart suites do): once the pipe is full, writes keep
 * being retried in the background (memory bounded), and the flush at exit gives up after
 * EXIT_FLUSH_MS instead of retrying EAGAIN forever as pino's default flush does.
 * One stream per process, so lines from several loggers never interleave mid-line.
 */
function standardOutput(): DestinationStream {
  if (stdout) return stdout;
  let flushDeadline: number | undefined;
  const destination = pino.destination({
    dest: process.stdout.fd, // opening process.stdout makes a pipe non-blocking, so writes can fail with EAGAIN rather than hang
    sync: false,
    minLength: 0,
    maxLength: MAX_BUFFERED_BYTES,
    retryEAGAIN: () => flushDeadline === undefined || Date.now() < flushDeadline,
  });
  const flushSync = destination.flushSync.bind(destination);
  destination.flushSync = () => {
    flushDeadline = Date.now() + EXIT_FLUSH_MS;
    try {
      flushSync();
    } catch {
      // Nobody reads the pipe: what is left is dropped rather than the exit blocked.
    } finally {
      flushDeadline = undefined;
    }
  };
  stdout = destination;
  return stdout;
}
