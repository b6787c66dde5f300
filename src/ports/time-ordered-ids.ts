import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from './ids.js';

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random
 * bits. Ids made one after another sort (and sit in B-tree indexes) next to
 * each other, so that the many ids delivery makes (messages, deliveries,
 * their events) keep SQLite's writes to a few recent pages instead of random
 * ones all over its indexes.
 *
 * Written as ASCII into one buffer and read out as one string: delivery makes
 * several ids per request, and building them from `randomUUID()` (which
 * concatenates its string two hex digits at a time) cost ~0.5 µs and ~600
 * bytes of garbage each.
 */
export function uuidV7(nowMs: number = Date.now()): string {
  if (drawn === IDS_PER_FILL) {
    randomFillSync(entropy);
    drawn = 0;
  }
  const r = drawn++ * RANDOM_BYTES;
  if (nowMs !== text.ms) writeTime(nowMs);
  const out = text.bytes;
  for (let k = 0; k < RANDOM_DIGITS.length; k += 2) {
    const byte = entropy[r + (k >> 1)]!;
    out[RANDOM_DIGITS[k]!] = HEX[byte >> 4]!;
    out[RANDOM_DIGITS[k + 1]!] = HEX[byte & 15]!;
  }
  // The variant (binary 10) and two more random bits.
  out[19] = HEX[8 | (entropy[r + 9]! & 3)]!;
  return out.toString('latin1', 0, 36);
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** Where the random hex digits go: rand_a after the version digit, rand_b after the variant digit (at 19). */
const RANDOM_DIGITS = [15, 16, 17, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35];
/** 9 bytes for the 18 random digits, a tenth for the variant digit's two random bits. */
const RANDOM_BYTES = 10;
const IDS_PER_FILL = 256;
const entropy = Buffer.alloc(RANDOM_BYTES * IDS_PER_FILL);
let drawn = IDS_PER_FILL;

// Ids come many to a millisecond under load: the time part is written once per millisecond.
const text = { ms: -1, bytes: Buffer.from('00000000-0000-7000-8000-000000000000', 'latin1') };

function writeTime(nowMs: number): void {
  const time = nowMs.toString(16).padStart(12, '0');
  text.bytes.write(time.slice(0, 8), 0, 'latin1');
  text.bytes.write(time.slice(8, 12), 9, 'latin1');
  text.ms = nowMs;
}

export const timeOrderedIds: IdGenerator = { newId: () => uuidV7() };
