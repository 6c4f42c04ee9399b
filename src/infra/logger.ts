/** One structured JSON logger for every process; children carry context (orderId, requestId...). */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', name = 'durable-orders'): Logger {
  return pino({
    name,
    level,
    // Never let a credential reach the log stream, whatever object is logged.
    redact: {
      paths: ['password', '*.password', 'token', '*.token', 'req.headers.authorization', 'req.headers.cookie', 'headers.authorization'],
      censor: '[redacted]',
    },
  });
}
