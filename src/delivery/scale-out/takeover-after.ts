import { duration, InvalidDurationSetting } from '../retry-schedule.js';

/**
 * The default wait before another instance takes over a due delivery: long
 * enough for its owner to be in the middle of two timed-out attempts and to
 * record them, so that a live owner is not overtaken by a receiver that hangs.
 */
export const defaultTakeoverAfterMs = (deliveryTimeoutMs: number): number => 2 * deliveryTimeoutMs + 30_000;

/**
 * `HOOKGATE_DELIVERY_TAKEOVER_AFTER`: how long past its due time a delivery
 * waits for the instance that owns it before any instance attempts it (e.g.
 * `60s`). Undefined gives the default, 2 × the delivery timeout + 30 s.
 */
export function parseTakeoverAfter(
  raw: string | undefined,
  deliveryTimeoutMs: number,
  variable = 'HOOKGATE_DELIVERY_TAKEOVER_AFTER',
): number {
  if (raw === undefined) return defaultTakeoverAfterMs(deliveryTimeoutMs);
  const value = duration(raw, variable);
  if (value === 0) throw new InvalidDurationSetting(`Invalid configuration: ${variable}: must be longer than 0`);
  return value;
}
