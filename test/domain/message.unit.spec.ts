import { describe, expect, it } from 'vitest';
import { idempotencyDecider, type ClaimIdempotencyKey } from '../../src/domain/message/idempotency-commands.js';
import { messageDecider, MAX_PAYLOAD_BYTES, type PublishMessage } from '../../src/domain/message/message-commands.js';
import type { MessagePublished } from '../../src/domain/message/message-events.js';
import { deciderSpec } from './decider-spec.js';

const given = deciderSpec(messageDecider);
const T0 = new Date('2025-03-01T12:00:00.000Z');

const publish = (data: Partial<PublishMessage['data']> = {}): PublishMessage => ({
  type: 'PublishMessage',
  data: {
    messageId: 'msg-1',
    tenantId: 'tenant-1',
    type: 'order.created',
    payload: { orderId: 42, lines: [{ sku: 'a' }] },
    productId: null,
    cloud: null,
    idempotencyKey: null,
    receivers: ['wh-1', 'wh-2'],
    deliveryIds: ['d-1', 'd-2'],
    now: T0,
    ...data,
  },
});

const published = (data: Partial<MessagePublished['data']> = {}): MessagePublished => ({
  type: 'MessagePublished',
  data: {
    messageId: 'msg-1',
    tenantId: 'tenant-1',
    type: 'order.created',
    payload: { orderId: 42, lines: [{ sku: 'a' }] },
    productId: null,
    cloud: null,
    idempotencyKey: null,
    publishedAt: T0.toISOString(),
    deliveries: [
      { deliveryId: 'd-1', webhookId: 'wh-1' },
      { deliveryId: 'd-2', webhookId: 'wh-2' },
    ],
    ...data,
  },
});

describe('PublishMessage', () => {
  it('records the message with one delivery per receiving webhook', () => {
    const state = given([]).when(publish()).then([published()]);
    expect(state).toMatchObject({ exists: true, messageId: 'msg-1', deliveries: [{ deliveryId: 'd-1' }, { deliveryId: 'd-2' }] });
  });

  it('keeps product, cloud and idempotency key (product id trimmed) and publishes to nobody when nothing matched', () => {
    given([])
      .when(publish({ productId: ' p1 ', cloud: 'AWS', idempotencyKey: 'key-1', receivers: [], deliveryIds: [] }))
      .then([published({ productId: 'p1', cloud: 'AWS', idempotencyKey: 'key-1', deliveries: [] })]);
  });

  it('takes any JSON payload, null included', () => {
    given([]).when(publish({ payload: null })).then([published({ payload: null })]);
    given([]).when(publish({ payload: 'text' })).then([published({ payload: 'text' })]);
  });

  it('refuses bad input naming the field', () => {
    given([]).when(publish({ type: '' })).thenThrows('INVALID_INPUT', 'type');
    given([]).when(publish({ type: 'order.*' })).thenThrows('INVALID_INPUT', 'type');
    given([]).when(publish({ type: 'order created' })).thenThrows('INVALID_INPUT', 'type');
    given([]).when(publish({ type: 'x'.repeat(129) })).thenThrows('INVALID_INPUT', 'type');
    given([]).when(publish({ payload: undefined })).thenThrows('INVALID_INPUT', 'payload');
    given([]).when(publish({ payload: { big: 'x'.repeat(MAX_PAYLOAD_BYTES) } })).thenThrows('INVALID_INPUT', 'payload');
    given([]).when(publish({ cloud: 'MOON' })).thenThrows('INVALID_INPUT', 'cloud');
    given([]).when(publish({ productId: 'p'.repeat(129) })).thenThrows('INVALID_INPUT', 'productId');
    given([]).when(publish({ idempotencyKey: 'k'.repeat(257) })).thenThrows('INVALID_INPUT', 'idempotencyKey');
    given([]).when(publish({ idempotencyKey: 'a\nb' })).thenThrows('INVALID_INPUT', 'idempotencyKey');
    given([]).when(publish({ deliveryIds: ['d-1'] })).thenThrows('INVALID_INPUT', 'deliveryIds');
    given([]).when(publish({ receivers: ['wh-1', 'wh-1'] })).thenThrows('INVALID_INPUT', 'receivers.1');
    given([]).when(publish({ now: new Date('nope') })).thenThrows('INVALID_INPUT', 'now');
  });

  it('refuses to publish a message twice', () => {
    given([published()]).when(publish()).thenThrows('ALREADY_EXISTS', 'messageId');
  });
});

describe('ClaimIdempotencyKey', () => {
  const givenKey = deciderSpec(idempotencyDecider);
  const DAY = 24 * 3600 * 1000;
  const claim = (messageId: string, ms: number): ClaimIdempotencyKey => ({
    type: 'ClaimIdempotencyKey',
    data: { messageId, now: new Date(T0.getTime() + ms), windowMs: DAY },
  });
  const claimed = (messageId: string, ms: number) => ({
    type: 'IdempotencyKeyClaimed' as const,
    data: { messageId, claimedAt: new Date(T0.getTime() + ms).toISOString() },
  });

  it('claims a new key', () => {
    expect(givenKey([]).when(claim('m1', 0)).then([claimed('m1', 0)]).claim?.messageId).toBe('m1');
  });

  it('keeps the first claim within the window: nothing is decided and the state names the first message', () => {
    expect(givenKey([claimed('m1', 0)]).when(claim('m2', DAY - 1)).then([]).claim?.messageId).toBe('m1');
  });

  it('lets the key be claimed again once the window has passed', () => {
    givenKey([claimed('m1', 0)]).when(claim('m2', DAY)).then([claimed('m2', DAY)]);
  });
});
