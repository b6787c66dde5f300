import { describe, expect, it } from 'vitest';
import { isoTimestamp } from '../../src/domain/validation.js';

describe('isoTimestamp', () => {
  it('formats each date as its own ISO string, also when a few milliseconds alternate', () => {
    const times = [0, 1, 0, 1, 2, 0, 1_700_000_000_123, 2, 1_700_000_000_123, -1];
    expect(times.map((ms) => isoTimestamp(new Date(ms)))).toEqual(times.map((ms) => new Date(ms).toISOString()));
  });

  it('refuses an invalid date, naming the field', () => {
    expect(() => isoTimestamp(new Date(Number.NaN), 'attemptedAt')).toThrow(expect.objectContaining({ field: 'attemptedAt' }));
    expect(() => isoTimestamp('2026-12-06' as unknown as Date)).toThrow(expect.objectContaining({ field: 'now' }));
  });
});
