import ms from 'ms';

/** Like the best peers: immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h. */
export const DEFAULT_RETRY_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,10h';
export const MAX_RETRY_STEPS = 50;
/** One step may wait at most this long; anything longer is more likely a typo than a wish. */
export const MAX_RETRY_STEP_MS = 7 * 24 * 60 * 60 * 1000;

export class InvalidDurationSetting extends Error {
  override readonly name = 'InvalidDurationSetting';
}

/** One duration setting (`0`, `500ms`, `5s`, `2h`, …) in milliseconds; a bad one names the variable. */
export function duration(text: string, variable: string): number {
  const value = text.trim();
  // ms() reads a bare number as milliseconds; it returns undefined (or NaN) for what it cannot read.
  const parsed = value === '' ? undefined : ms(value as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
    throw new InvalidDurationSetting(
      `Invalid configuration: ${variable}: "${value}" is not a duration (e.g. 0, 500ms, 5s, 5m, 2h, 5d)`,
    );
  }
  return Math.round(parsed);
}

/**
 * `HOOKGATE_RETRY_SCHEDULE`: comma-separated waits before each attempt of a
 * delivery (the first is usually 0, "at once"), e.g. `0,1s,2s`. Returns
 * milliseconds; undefined gives the default schedule.
 */
export function parseRetrySchedule(raw: string | undefined, variable = 'HOOKGATE_RETRY_SCHEDULE'): number[] {
  const steps = (raw ?? DEFAULT_RETRY_SCHEDULE).split(',').map((step) => duration(step, variable));
  if (steps.length > MAX_RETRY_STEPS) {
    throw new InvalidDurationSetting(`Invalid configuration: ${variable}: at most ${MAX_RETRY_STEPS} steps`);
  }
  if (steps.some((step) => step > MAX_RETRY_STEP_MS)) {
    throw new InvalidDurationSetting(`Invalid configuration: ${variable}: a step may be at most 7 days`);
  }
  return steps;
}

/** `HOOKGATE_DISABLE_AFTER`: how long a webhook may fail every delivery before it is deactivated, e.g. `5d`. */
export function parseDisableAfter(raw: string, variable = 'HOOKGATE_DISABLE_AFTER'): number {
  const value = duration(raw, variable);
  if (value === 0) throw new InvalidDurationSetting(`Invalid configuration: ${variable}: must be longer than 0`);
  return value;
}
