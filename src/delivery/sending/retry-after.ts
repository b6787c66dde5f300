/** A receiver asking for more than a day is capped: the retry schedule and auto-deactivation take over from there. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

const DELAY_SECONDS = /^\s*(\d+)\s*$/;
/** All three HTTP-date forms (IMF-fixdate, RFC 850, asctime) start with the day's name; Date.parse alone takes `-5` for a year. */
const HTTP_DATE_START = /^\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,?\s/i;

/**
 * `Retry-After` (RFC 9110 §10.2.3) in milliseconds from `nowMs`: delay
 * seconds or an HTTP date; a date in the past means 0. Null when absent or
 * unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return null;
  const seconds = DELAY_SECONDS.exec(text);
  if (seconds) return Math.min(Number(seconds[1]) * 1000, MAX_RETRY_AFTER_MS);
  if (!HTTP_DATE_START.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(at - nowMs, 0), MAX_RETRY_AFTER_MS);
}
