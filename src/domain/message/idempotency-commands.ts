import type { Command, Decider } from '../decider.js';
import { DomainError } from '../errors.js';
import { isoTimestamp, requireText } from '../validation.js';
import {
  evolveIdempotency,
  initialIdempotencyState,
  type IdempotencyEvent,
  type IdempotencyState,
} from './idempotency-events.js';

/** How long a key keeps answering with its first message. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Claims a key for a new message. Decides nothing while an earlier claim is
 * younger than the window: the caller then answers with that claim's message
 * (state.claim) and publishes nothing.
 */
export type ClaimIdempotencyKey = Command<'ClaimIdempotencyKey', { messageId: string; now: Date; windowMs: number }>;

export type IdempotencyCommand = ClaimIdempotencyKey;

function claim({ data }: ClaimIdempotencyKey, state: IdempotencyState): IdempotencyEvent[] {
  const messageId = requireText(data.messageId, 'messageId', { max: 128 });
  const claimedAt = isoTimestamp(data.now);
  if (!(Number.isFinite(data.windowMs) && data.windowMs > 0)) throw DomainError.invalidInput('windowMs', 'must be positive');
  if (state.claim && data.now.getTime() - Date.parse(state.claim.claimedAt) < data.windowMs) return [];
  return [{ type: 'IdempotencyKeyClaimed', data: { messageId, claimedAt } }];
}

export function decideIdempotency(command: IdempotencyCommand, state: IdempotencyState): IdempotencyEvent[] {
  switch (command.type) {
    case 'ClaimIdempotencyKey':
      return claim(command, state);
    default: {
      const _exhaustive: never = command.type;
      return _exhaustive;
    }
  }
}

export const idempotencyDecider: Decider<IdempotencyCommand, IdempotencyEvent, IdempotencyState> = {
  decide: decideIdempotency,
  evolve: evolveIdempotency,
  initialState: initialIdempotencyState,
};
