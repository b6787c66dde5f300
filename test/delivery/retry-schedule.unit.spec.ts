import { describe, expect, it } from 'vitest';
import { parseDisableAfter, parseRetrySchedule } from '../../src/delivery/retry-schedule.js';

describe('parseRetrySchedule', () => {
  it('defaults to 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
    expect(parseRetrySchedule(undefined)).toEqual([0, 5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 36e6]);
  });

  it('reads durations with units, spaces around commas allowed', () => {
    expect(parseRetrySchedule('0, 200ms,1s , 2m')).toEqual([0, 200, 1_000, 120_000]);
  });

  it('refuses what is not a duration, naming the variable', () => {
    for (const bad of ['', '0,,1s', 'soon', '-1s', '0,8d', Array(51).fill('1s').join(',')]) {
      expect(() => parseRetrySchedule(bad)).toThrow(/HOOKGATE_RETRY_SCHEDULE/);
    }
  });
});

describe('parseDisableAfter', () => {
  it('reads a period and refuses zero or nonsense', () => {
    expect(parseDisableAfter('5d')).toBe(5 * 24 * 3600 * 1000);
    expect(parseDisableAfter('2s')).toBe(2_000);
    expect(() => parseDisableAfter('0')).toThrow(/HOOKGATE_DISABLE_AFTER/);
    expect(() => parseDisableAfter('whenever')).toThrow(/HOOKGATE_DISABLE_AFTER/);
  });
});
