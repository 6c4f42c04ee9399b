/** A logger whose JSON lines a test can read back. */
import { createLogger, type Logger } from '../../src/infra/logger';

export interface CapturedLogs {
  logger: Logger;
  /** Everything written so far, raw. */
  text(): string;
  /** Parsed lines, optionally only those matching `where`. */
  lines(where?: (line: Record<string, any>) => boolean): Record<string, any>[];
}

export function captureLogs(level = 'debug'): CapturedLogs {
  let text = '';
  const logger = createLogger(level, 'test', { write: (chunk: string) => void (text += chunk) });
  const lines = () => text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
  return { logger, text: () => text, lines: (where = () => true) => lines().filter(where) };
}
