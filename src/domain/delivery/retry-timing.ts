/** Each step of the schedule is stretched or shrunk by up to this share, so that retries of many deliveries spread out. */
export const JITTER_RATIO = 0.2;

/** A receiver's Retry-After is honoured up to this long; a larger one would park the delivery for good. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * How long to wait after a failed attempt, or null when the schedule is used
 * up. `schedule[i]` is the wait before attempt i + 1 of a round (so
 * `schedule[0]` is the wait before the first attempt, usually 0);
 * `attemptsInRound` counts the attempt just made. `jitter` is a number in
 * [0, 1) from outside (the domain draws no random numbers): 0.5 keeps the
 * step as it is. A zero step stays zero. A `retryAfterMs` later than the step
 * wins, capped at MAX_RETRY_AFTER_MS.
 */
export function retryDelayMs(
  schedule: readonly number[],
  attemptsInRound: number,
  jitter: number,
  retryAfterMs: number | null,
): number | null {
  if (attemptsInRound >= schedule.length) return null;
  const step = schedule[attemptsInRound]!;
  const jittered = step === 0 ? 0 : Math.round(step * (1 - JITTER_RATIO + 2 * JITTER_RATIO * jitter));
  if (retryAfterMs === null) return jittered;
  return Math.max(jittered, Math.min(Math.max(0, retryAfterMs), MAX_RETRY_AFTER_MS));
}
