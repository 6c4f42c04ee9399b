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
  destination?: DestinationStream,
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
