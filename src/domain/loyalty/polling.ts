/**
 * When to ask the accrual system again. Non-final answers are re-polled at a steady
 * interval (the result is usually seconds away); "not registered" (204) backs off
 * exponentially, because the order may only be registered much later, and stops
 * after a horizon (the order stays NEW; uploading it again restarts polling).
 */
export interface PollingSettings {
  /** Delay after REGISTERED/PROCESSING. */
  pollIntervalMs: number;
  /** First delay after a 204; doubles with every further 204... */
  unregisteredInitialDelayMs: number;
  /** ...up to this. */
  unregisteredMaxDelayMs: number;
  /** Stop polling an order the accrual system still does not know after this long. */
  unregisteredHorizonMs: number;
}

/** Delay before the next poll; `consecutiveUnregistered` counts the 204s in a row, 1 for the first. */
export function nextPollDelayMs(settings: PollingSettings, consecutiveUnregistered: number): number {
  if (consecutiveUnregistered <= 0) return settings.pollIntervalMs;
  const exponent = Math.min(consecutiveUnregistered - 1, 30);
  return Math.min(settings.unregisteredInitialDelayMs * 2 ** exponent, settings.unregisteredMaxDelayMs);
}

/** True when polling an unregistered order should stop. */
export function unregisteredHorizonPassed(settings: PollingSettings, unregisteredSinceMs: number, nowMs: number): boolean {
  return nowMs - unregisteredSinceMs >= settings.unregisteredHorizonMs;
}
