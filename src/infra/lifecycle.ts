/**
 * Graceful shutdown for process entry points: on the first SIGINT/SIGTERM run the
 * cleanup (finish in-flight work, stop children), then exit; a second signal exits at once.
 */
import type { Logger } from './logger';

export function exitOnSignal(logger: Logger, cleanup: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting immediately');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    cleanup().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Runs cleanups in reverse order of registration, continuing past failures. */
export class Cleanup {
  private readonly steps: { name: string; run: () => Promise<void> }[] = [];
  private logger: Logger | undefined;

  /** After `runAll` has begun, a step is run at once: whatever it stops must not outlive the process. */
  add(name: string, run: () => Promise<void>): void {
    if (this.logger) void this.runStep({ name, run }, this.logger);
    else this.steps.push({ name, run });
  }

  async runAll(logger: Logger): Promise<void> {
    this.logger = logger;
    for (const step of this.steps.splice(0).reverse()) await this.runStep(step, logger);
  }

  private async runStep(step: { name: string; run: () => Promise<void> }, logger: Logger): Promise<void> {
    try {
      await step.run();
    } catch (error) {
      logger.warn({ err: error, step: step.name }, 'cleanup step failed');
    }
  }
}

/** What a start-up step sees: where to register what it started, and whether a stop was asked for. */
export interface Startup {
  cleanup: Cleanup;
  /** Aborted by the first SIGINT/SIGTERM; `stopping.throwIfAborted()` between steps ends the start-up there. */
  stopping: AbortSignal;
}

/**
 * Runs a process's start-up so that a signal may arrive at any moment. `start` registers
 * a cleanup step for everything it starts and calls `stopping.throwIfAborted()` between steps.
 * - A signal during start-up lets the current step finish, skips the others, stops what
 *   was started and exits 0; a signal after start-up stops everything and exits 0.
 * - A start that fails stops what it had started, then the error propagates (the entry
 *   point prints it and exits 1), so a failed start never leaves a child process behind.
 */
export async function runStoppable(logger: Logger, start: (startup: Startup) => Promise<void>): Promise<void> {
  const cleanup = new Cleanup();
  const controller = new AbortController();
  let starting: Promise<void> = Promise.resolve();
  exitOnSignal(logger, async () => {
    controller.abort(new Error('stopped during start-up'));
    await starting.catch(() => {}); // its failure, if any, is the stop's doing
    await cleanup.runAll(logger);
  });
  starting = start({ cleanup, stopping: controller.signal });
  try {
    await starting;
  } catch (error) {
    if (controller.signal.aborted) return; // the signal handler stops what was started and exits 0
    await cleanup.runAll(logger);
    throw error;
  }
}
