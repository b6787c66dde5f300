import { randomUUID } from 'node:crypto';
import type { IdGenerator } from './ids.js';

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random
 * bits. Ids made one after another sort (and sit in B-tree indexes) next to
 * each other, so that the many ids delivery makes (messages, deliveries,
 * their events) keep SQLite's writes to a few recent pages instead of random
 * ones all over its indexes.
 */
export function uuidV7(nowMs: number = Date.now()): string {
  // randomUUID draws from a cached pool of entropy: much cheaper than randomBytes per id. Its
  // version-4 layout already has the RFC variant bits; the time and the version nibble replace its head.
  const random = randomUUID();
  if (nowMs !== lastMs) {
    const time = nowMs.toString(16).padStart(12, '0');
    lastMs = nowMs;
    lastHead = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
  }
  return lastHead + random.slice(15);
}

// Ids come many to a millisecond under load: the time part is formatted once per millisecond.
let lastMs = -1;
let lastHead = '';

export const timeOrderedIds: IdGenerator = { newId: () => uuidV7() };
