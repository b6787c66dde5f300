import { describe, expect, it } from 'vitest';
import { uuidV7 } from '../../src/ports/time-ordered-ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV7', () => {
  it('is a version 7, RFC variant UUID whose first 48 bits are the milliseconds given', () => {
    const ms = Date.UTC(2026, 11, 6, 4, 30, 0, 123);
    const id = uuidV7(ms);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
  });

  it('sorts by time across milliseconds, and never repeats', () => {
    const ids: string[] = [];
    const start = Date.now();
    for (let i = 0; i < 3_000; i++) ids.push(uuidV7(start + Math.floor(i / 1_000)));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
    for (let i = 1_000; i < ids.length; i += 1_000) expect(ids[i - 1]! < ids[i]!).toBe(true);
  });

  it('draws every random digit from the whole range, and all four variant digits', () => {
    const digits = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 5_000; i++) {
      const id = uuidV7(0);
      for (let at = 0; at < 36; at++) digits[at]!.add(id[at]!);
    }
    const random = [15, 16, 17, 20, 21, 22, ...Array.from({ length: 12 }, (_, i) => 24 + i)];
    for (const at of random) expect(digits[at]!.size, `digit ${at}`).toBe(16);
    expect([...digits[19]!].sort()).toEqual(['8', '9', 'a', 'b']);
    expect([...digits[14]!]).toEqual(['7']);
  });
});
