/**
 * The accrual system's `Retry-After` header (delta-seconds or an HTTP date) as a
 * pause in milliseconds, capped so a broken or hostile value cannot stop accruals
 * for days. Missing or unreadable values fall back to `fallbackMs`.
 */
export interface RetryAfter {
  delayMs: number;
  /** The value was absurd (above the cap) and was cut down: worth a log line. */
  capped: boolean;
}

export function parseRetryAfter(header: string | null | undefined, nowMs: number, fallbackMs: number, capMs: number): RetryAfter {
  let delayMs = fallbackMs;
  const value = header?.trim() ?? '';
  if (/^\d+$/.test(value)) {
    delayMs = Number(value) * 1000;
  } else if (/[a-z]/i.test(value)) {
    // An HTTP date ("Sun, 22 Nov 2026 10:00:30 GMT"); bare numbers like -5 are not dates.
    const date = Date.parse(value);
    if (!Number.isNaN(date)) delayMs = Math.max(0, date - nowMs);
  }
  if (!Number.isFinite(delayMs) || delayMs > capMs) return { delayMs: capMs, capped: true };
  return { delayMs, capped: false };
}
