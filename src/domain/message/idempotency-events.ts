import type { Event } from '../decider.js';

/** A tenant's idempotency key now stands for this message (the stream is named by a hash of the key). */
export type IdempotencyKeyClaimed = Event<'IdempotencyKeyClaimed', { messageId: string; claimedAt: string }>;

export type IdempotencyEvent = IdempotencyKeyClaimed;

/** The latest claim of the key, if any. */
export type IdempotencyState = { claim: { messageId: string; claimedAt: string } | null };

export const initialIdempotencyState = (): IdempotencyState => ({ claim: null });

export function evolveIdempotency(_state: IdempotencyState, event: IdempotencyEvent): IdempotencyState {
  switch (event.type) {
    case 'IdempotencyKeyClaimed':
      return { claim: { messageId: event.data.messageId, claimedAt: event.data.claimedAt } };
    default: {
      const _exhaustive: never = event.type;
      return _exhaustive;
    }
  }
}
