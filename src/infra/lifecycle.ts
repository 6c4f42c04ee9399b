/**
 * Graceful shutdown for process entry points: on the first SIGINT/SIGTERM run the
 * cleanup (finish in-flight work, stop children), then exit; a second signal, a second or
 * more later, exits at once.
 */
import type { Logger } from './logger';

/**
 * One Ctrl-C can arrive more than once: the terminal signals the whole foreground process
 * group, and npm and tsx each pass it on to their child as well. Signals this close to the
 * first are that one Ctrl-C, not an operator insisting, and must not cut the orderly stop short.
 */
export const REPEATED_SIGNAL_WINDOW_MS = 1000;

export function exitOnSignal(logger: Logger, cleanup: () => Promise<void>): void {
  let firstSignalAt: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (firstSignalAt !== undefined) {
      if (performance.now() - firstSignalAt < REPEATED_SIGNAL_WINDOW_MS) return;
      logger.warn({ signal }, 'second signal: exiting immediately');
      process.exit(130);
    }
    firstSignalAt = performance.now();
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
  private finishedWith: Logger | undefined;

  /**
   * A step added while `runAll` runs is run by it too; one added after `runAll` finished is
   * run at once: whatever it stops must not outlive the process.
   */
  add(name: string, run: () => Promise<void>): void {
    if (this.finishedWith) void this.runStep({ name, run }, this.finishedWith);
    else this.steps.push({ name, run });
  }

  async runAll(logger: Logger): Promise<void> {
    while (this.steps.length > 0) {
      for (const step of this.steps.splice(0).reverse()) await this.runStep(step, logger);
    }
    this.finishedWith = logger;
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
  /**
   * A step that starts child processes, and how to stop what it started (registered as the
   * cleanup step `name` the moment it is up). A stop waits for such a step to settle — it
   * ends promptly either way: its children come up or die — so none is orphaned. Any other
   * step in flight is abandoned: what it holds ends with the process.
   */
  startingProcesses<T>(name: string, step: Promise<T>, stop: (started: T) => Promise<void>): Promise<T>;
}

/**
 * Runs a process's start-up so that a signal may arrive at any moment. `start` registers
 * a cleanup step for everything it starts and calls `stopping.throwIfAborted()` between steps.
 * - A signal during start-up skips the steps not yet begun, waits for a step starting child
 *   processes to settle (not for others: one may be retrying against a Temporal server a
 *   Ctrl-C to the whole process group has just stopped), stops what was started and exits 0;
 *   a signal after start-up stops everything and exits 0.
 * - A start that fails stops what it had started, then the error propagates (the entry
 *   point prints it and exits 1), so a failed start never leaves a child process behind.
 */
export async function runStoppable(logger: Logger, start: (startup: Startup) => Promise<void>): Promise<void> {
  const cleanup = new Cleanup();
  const controller = new AbortController();
  const spawning = new Set<Promise<unknown>>();
  exitOnSignal(logger, async () => {
    controller.abort(new Error('stopped during start-up'));
    await Promise.allSettled([...spawning]); // a failure is the stop's doing
    await cleanup.runAll(logger);
  });
  const startingProcesses = <T>(name: string, step: Promise<T>, stop: (started: T) => Promise<void>): Promise<T> => {
    const started = step.then((value) => {
      cleanup.add(name, () => stop(value));
      return value;
    });
    spawning.add(started);
    started.then(
      () => spawning.delete(started),
      () => spawning.delete(started),
    );
    return started;
  };
  try {
    await start({ cleanup, stopping: controller.signal, startingProcesses });
  } catch (error) {
    if (controller.signal.aborted) return; // the signal handler stops what was started and exits 0
    await cleanup.runAll(logger);
    throw error;
  }
}
