import { describe, expect, it } from 'vitest';
import { DeliveryClaims } from '../../../src/delivery/scale-out/delivery-claims.js';
import { handedOutDeliveries } from '../../../src/delivery/scale-out/delivery-work-events.js';
import { ownershipOf, type Here } from '../../../src/delivery/scale-out/ownership-rule.js';
import { defaultTakeoverAfterMs, parseTakeoverAfter } from '../../../src/delivery/scale-out/takeover-after.js';
import type { RecordedEvent } from '../../../src/eventstore/event-store.js';

const T0 = Date.parse('2025-01-01T00:00:00.000Z');
const GRACE = 60_000;
const due = (over: Partial<{ version: number; attemptedBy: string | null; nextAttemptAt: string }> = {}) => ({
  version: -1,
  attemptedBy: null,
  nextAttemptAt: new Date(T0).toISOString(),
  ...over,
});
const here = (over: Partial<Here> = {}): Here => ({ instanceId: 'gw-1', claimedAt: undefined, nowMs: T0, takeoverAfterMs: GRACE, ...over });

describe('which instance attempts a due delivery', () => {
  it('the instance handed the delivery attempts it until something is recorded on it', () => {
    expect(ownershipOf(due(), here({ claimedAt: -1 }))).toEqual({ mine: true, because: 'handed-here' });
    // A redelivery handed here at revision 3: the read model at revision 3 (or still behind) is covered.
    expect(ownershipOf(due({ version: 3, attemptedBy: null }), here({ claimedAt: 3 }))).toEqual({ mine: true, because: 'handed-here' });
    // An attempt recorded since, by another instance: that one owns the retry.
    expect(ownershipOf(due({ version: 0, attemptedBy: 'gw-2' }), here({ claimedAt: -1 }))).toEqual({ mine: false, takeoverAt: T0 + GRACE });
  });

  it('a retry stays with the instance that recorded the attempt before it', () => {
    expect(ownershipOf(due({ version: 0, attemptedBy: 'gw-1' }), here())).toEqual({ mine: true, because: 'attempted-here' });
    expect(ownershipOf(due({ version: 0, attemptedBy: 'gw-2' }), here())).toEqual({ mine: false, takeoverAt: T0 + GRACE });
  });

  it('nobody else attempts it until it is overdue by the takeover time; then anyone does', () => {
    expect(ownershipOf(due(), here({ nowMs: T0 + GRACE - 1 }))).toEqual({ mine: false, takeoverAt: T0 + GRACE });
    expect(ownershipOf(due(), here({ nowMs: T0 + GRACE }))).toEqual({ mine: true, because: 'taken-over' });
    expect(ownershipOf(due({ version: 4, attemptedBy: 'gw-2' }), here({ nowMs: T0 + GRACE + 1 }))).toEqual({
      mine: true,
      because: 'taken-over',
    });
  });
});

describe('claims', () => {
  it('cover a delivery until it moves past the claimed revision, then are forgotten', () => {
    const claims = new DeliveryClaims(GRACE);
    claims.claim('d1', -1, T0);
    expect(claims.claimedAt('d1', -1, T0)).toBe(-1);
    expect(claims.claimedAt('d1', 0, T0)).toBeUndefined();
    expect(claims.claimedAt('d1', -1, T0)).toBeUndefined();
    expect(claims.size).toBe(0);
  });

  it('expire after the takeover time, oldest first; a second hand-out keeps the later revision', () => {
    const claims = new DeliveryClaims(GRACE);
    claims.claim('d1', -1, T0);
    claims.claim('d2', -1, T0 + 10);
    claims.claim('d3', 5, T0 + 20);
    claims.claim('d3', -1, T0 + 30);
    expect(claims.claimedAt('d3', 5, T0 + 30)).toBe(5);
    claims.expire(T0 + GRACE + 10);
    expect(claims.size).toBe(1);
    expect(claims.claimedAt('d3', 5, T0 + GRACE + 29)).toBe(5);
    expect(claims.claimedAt('d3', 5, T0 + GRACE + 30)).toBeUndefined();
  });
});

describe('the events that hand out delivery work', () => {
  const recorded = (type: string, data: unknown, revision = 0): RecordedEvent =>
    ({ id: 'e', type, data, metadata: {}, streamName: 's', revision, position: 1, createdAt: new Date(T0) }) as RecordedEvent;

  it('a publish hands out all of its deliveries, a redelivery request its one delivery at its revision', () => {
    const published = recorded('MessagePublished', {
      messageId: 'm1',
      deliveries: [
        { deliveryId: 'd1', webhookId: 'w1' },
        { deliveryId: 'd2', webhookId: 'w2' },
      ],
    });
    expect(handedOutDeliveries(published)).toEqual([
      { deliveryId: 'd1', revision: -1 },
      { deliveryId: 'd2', revision: -1 },
    ]);
    expect(handedOutDeliveries(recorded('DeliveryRedeliveryRequested', { deliveryId: 'd1' }, 7))).toEqual([{ deliveryId: 'd1', revision: 7 }]);
  });

  it('anything else, or a malformed event, hands out nothing', () => {
    expect(handedOutDeliveries(recorded('MessagePublishedLater', { deliveries: [{ deliveryId: 'd1' }] }))).toEqual([]);
    expect(handedOutDeliveries(recorded('MessagePublished', { deliveries: 'no' }))).toEqual([]);
    expect(handedOutDeliveries(recorded('DeliveryRedeliveryRequested', null))).toEqual([]);
  });
});

describe('HOOKGATE_DELIVERY_TAKEOVER_AFTER', () => {
  it('defaults to two delivery time-outs and 30 s', () => {
    expect(parseTakeoverAfter(undefined, 15_000)).toBe(60_000);
    expect(defaultTakeoverAfterMs(1_000)).toBe(32_000);
  });

  it('reads a duration and refuses anything else, naming the variable', () => {
    expect(parseTakeoverAfter('2s', 15_000)).toBe(2_000);
    expect(parseTakeoverAfter('1500', 15_000)).toBe(1_500);
    expect(() => parseTakeoverAfter('soon', 15_000)).toThrow(/HOOKGATE_DELIVERY_TAKEOVER_AFTER: "soon" is not a duration/);
    expect(() => parseTakeoverAfter('0', 15_000)).toThrow(/HOOKGATE_DELIVERY_TAKEOVER_AFTER: must be longer than 0/);
  });
});
