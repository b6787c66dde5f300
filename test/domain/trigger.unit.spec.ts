import { describe, expect, it } from 'vitest';
import { foldEvents } from '../../src/domain/decider.js';
import { triggerDecider, type CreateTrigger, type FireTrigger } from '../../src/domain/trigger/trigger-commands.js';
import type { Trigger, TriggerCreated, TriggerEvent, TriggerFired, TriggerState } from '../../src/domain/trigger/trigger-events.js';
import { headersToKeep, MAX_TRIGGER_BODY_BYTES, MAX_TRIGGER_HEADERS } from '../../src/domain/trigger/trigger-rules.js';
import { deciderSpec } from './decider-spec.js';
import { at, iso, sealed, T0 } from './webhook-fixtures.js';

const given = deciderSpec(triggerDecider);

const existing = (state: TriggerState): Trigger => {
  if (!state.exists) throw new Error('expected the trigger to exist');
  return state;
};

const createTrigger = (data: Partial<CreateTrigger['data']> = {}): CreateTrigger => ({
  type: 'CreateTrigger',
  data: { triggerId: 'tr-1', tenantId: 'tenant-1', name: 'Orders', secret: sealed('trigger-1'), now: T0, ...data },
});

const triggerCreated = (data: Partial<TriggerCreated['data']> = {}): TriggerCreated => ({
  type: 'TriggerCreated',
  data: {
    triggerId: 'tr-1',
    tenantId: 'tenant-1',
    name: 'Orders',
    forwardAsEventType: null,
    secret: sealed('trigger-1'),
    createdAt: iso(0),
    ...data,
  },
});

const fireTrigger = (data: Partial<FireTrigger['data']> = {}): FireTrigger => ({
  type: 'FireTrigger',
  data: {
    runId: 'run-1',
    contentType: 'application/json',
    body: { encoding: 'json', value: { foo: 'bar' } },
    bodyBytes: 13,
    headers: { 'content-type': 'application/json', host: 'hooks.example.com' },
    now: at(5),
    ...data,
  },
});

const triggerFired = (data: Partial<TriggerFired['data']> = {}): TriggerFired => ({
  type: 'TriggerFired',
  data: {
    triggerId: 'tr-1',
    tenantId: 'tenant-1',
    runId: 'run-1',
    receivedAt: iso(5),
    contentType: 'application/json',
    bodyEncoding: 'json',
    body: { foo: 'bar' },
    bodyBytes: 13,
    headers: { 'content-type': 'application/json', host: 'hooks.example.com' },
    forwardAsEventType: null,
    ...data,
  },
});

const deleted: TriggerEvent = { type: 'TriggerDeleted', data: { deletedAt: iso(1) } };

describe('CreateTrigger', () => {
  it('creates a trigger at version 0 with its sealed secret', () => {
    const state = existing(given([]).when(createTrigger()).then([triggerCreated()]));
    expect(state).toMatchObject({ id: 'tr-1', tenantId: 'tenant-1', name: 'Orders', version: 0, deleted: false });
    expect(state.secret).toStrictEqual(sealed('trigger-1'));
  });

  it('trims the name and keeps a valid event type to forward as', () => {
    given([])
      .when(createTrigger({ name: '  Orders  ', forwardAsEventType: 'order.received' }))
      .then([triggerCreated({ forwardAsEventType: 'order.received' })]);
  });

  it('treats a blank forwardAsEventType as none', () => {
    given([]).when(createTrigger({ forwardAsEventType: '  ' })).then([triggerCreated()]);
  });

  it.each([
    ['', 'name'],
    ['x'.repeat(201), 'name'],
    ['line\nbreak', 'name'],
  ])('refuses the name %j', (name, field) => {
    given([]).when(createTrigger({ name })).thenThrows('INVALID_INPUT', field);
  });

  it.each(['order received', 'order..received', 'order.*', 'x'.repeat(129)])('refuses forwardAsEventType %j', (type) => {
    given([]).when(createTrigger({ forwardAsEventType: type })).thenThrows('INVALID_INPUT', 'forwardAsEventType');
  });

  it('refuses a secret that is not sealed', () => {
    given([])
      .when(createTrigger({ secret: { keyId: 'k' } as never }))
      .thenThrows('INVALID_INPUT', 'secret');
  });

  it('refuses to create a trigger twice', () => {
    given([triggerCreated()]).when(createTrigger()).thenThrows('ALREADY_EXISTS', 'triggerId');
  });
});

describe('FireTrigger', () => {
  it('records the call with its body and headers and moves the version on', () => {
    const state = existing(given([triggerCreated()]).when(fireTrigger()).then([triggerFired()]));
    expect(state.version).toBe(1);
  });

  it('copies the trigger’s forwardAsEventType into the call, for the forwarding reactor', () => {
    given([triggerCreated({ forwardAsEventType: 'order.received' })])
      .when(fireTrigger())
      .then([triggerFired({ forwardAsEventType: 'order.received' })]);
  });

  it('drops hop-by-hop headers and credentials', () => {
    given([triggerCreated()])
      .when(
        fireTrigger({
          headers: {
            'Content-Type': 'application/json',
            Authorization: 'Bearer x',
            cookie: 'session=1',
            'x-verify-signature': 'secret',
            'webhook-signature': 'v1,abc',
            'webhook-id': 'msg_1',
            connection: 'keep-alive, x-private',
            'x-private': 'only for this hop',
            'transfer-encoding': 'chunked',
            'x-hub-signature-256': 'sha256=…',
            'x-api-key': 'k',
            'x-request-id': 'r-1',
          },
        }),
      )
      .then([triggerFired({ headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'x-request-id': 'r-1' } })]);
  });

  it('keeps a text body as text and a null content type', () => {
    given([triggerCreated()])
      .when(fireTrigger({ contentType: null, body: { encoding: 'text', value: 'hello' }, bodyBytes: 5 }))
      .then([triggerFired({ contentType: null, bodyEncoding: 'text', body: 'hello', bodyBytes: 5 })]);
  });

  it('refuses a call of a trigger that does not exist or was deleted', () => {
    given([]).when(fireTrigger()).thenThrows('NOT_FOUND');
    given([triggerCreated(), deleted]).when(fireTrigger()).thenThrows('NOT_FOUND');
  });

  it.each([
    [{ bodyBytes: MAX_TRIGGER_BODY_BYTES + 1 }, 'bodyBytes'],
    [{ bodyBytes: -1 }, 'bodyBytes'],
    [{ body: { encoding: 'xml', value: '<a/>' } }, 'body.encoding'],
    [{ body: { encoding: 'text', value: { a: 1 } } }, 'body.value'],
    [{ runId: '' }, 'runId'],
  ] as [Partial<FireTrigger['data']>, string][])('refuses %j', (data, field) => {
    given([triggerCreated()]).when(fireTrigger(data)).thenThrows('INVALID_INPUT', field);
  });

  it('accepts a body of exactly the maximum size', () => {
    given([triggerCreated()])
      .when(fireTrigger({ bodyBytes: MAX_TRIGGER_BODY_BYTES }))
      .then([triggerFired({ bodyBytes: MAX_TRIGGER_BODY_BYTES })]);
  });
});

describe('UpdateTrigger', () => {
  const update = (data: { name?: string; forwardAsEventType?: string | null }) => ({ type: 'UpdateTrigger' as const, data: { ...data, now: at(4) } });
  const updated = (name: string, forwardAsEventType: string | null): TriggerEvent => ({
    type: 'TriggerUpdated',
    data: { name, forwardAsEventType, updatedAt: iso(4) },
  });

  it('renames, keeping the forwarding; starts forwarding, keeping the name; the new values apply from then on', () => {
    const renamed = existing(given([triggerCreated()]).when(update({ name: '  Invoices ' })).then([updated('Invoices', null)]));
    expect(renamed).toMatchObject({ name: 'Invoices', forwardAsEventType: null, updatedAt: iso(4), version: 1 });
    const forwarding = existing(
      given([triggerCreated(), triggerFired()]).when(update({ forwardAsEventType: 'order.received' })).then([updated('Orders', 'order.received')]),
    );
    expect(forwarding).toMatchObject({ name: 'Orders', forwardAsEventType: 'order.received', version: 2 });
    given([triggerCreated(), updated('Orders', 'order.received')])
      .when(fireTrigger())
      .then([triggerFired({ forwardAsEventType: 'order.received' })]);
  });

  it('stops forwarding on null or blank', () => {
    const forwarding = triggerCreated({ forwardAsEventType: 'order.received' });
    given([forwarding]).when(update({ forwardAsEventType: null })).then([updated('Orders', null)]);
    given([forwarding]).when(update({ forwardAsEventType: '  ' })).then([updated('Orders', null)]);
  });

  it('records nothing when nothing changes', () => {
    given([triggerCreated()]).when(update({})).then([]);
    given([triggerCreated()]).when(update({ name: 'Orders', forwardAsEventType: null })).then([]);
  });

  it('refuses a bad name or event type, naming the field, and a missing or deleted trigger', () => {
    given([triggerCreated()]).when(update({ name: ' ' })).thenThrows('INVALID_INPUT', 'name');
    given([triggerCreated()]).when(update({ forwardAsEventType: 'not a type' })).thenThrows('INVALID_INPUT', 'forwardAsEventType');
    given([]).when(update({ name: 'x' })).thenThrows('NOT_FOUND');
    given([triggerCreated(), deleted]).when(update({ name: 'x' })).thenThrows('NOT_FOUND');
  });
});

describe('RotateTriggerSecret and DeleteTrigger', () => {
  it('replaces the secret', () => {
    const state = existing(
      given([triggerCreated()])
        .when({ type: 'RotateTriggerSecret', data: { newSecret: sealed('trigger-2'), now: at(3) } })
        .then([{ type: 'TriggerSecretRotated', data: { newSecret: sealed('trigger-2'), rotatedAt: iso(3) } }]),
    );
    expect(state).toMatchObject({ secret: sealed('trigger-2'), updatedAt: iso(3), version: 1 });
  });

  it('deletes once; a deleted trigger can be neither rotated nor deleted again', () => {
    const state = existing(given([triggerCreated()]).when({ type: 'DeleteTrigger', data: { now: at(1) } }).then([deleted]));
    expect(state.deleted).toBe(true);
    given([triggerCreated(), deleted]).when({ type: 'DeleteTrigger', data: { now: at(2) } }).thenThrows('NOT_FOUND');
    given([triggerCreated(), deleted])
      .when({ type: 'RotateTriggerSecret', data: { newSecret: sealed('x'), now: at(2) } })
      .thenThrows('NOT_FOUND');
  });
});

describe('RecordTriggerRunForwarded', () => {
  it('links a run to the message it was published as, even after the trigger was deleted', () => {
    given([triggerCreated(), triggerFired(), deleted])
      .when({ type: 'RecordTriggerRunForwarded', data: { runId: 'run-1', messageId: 'msg-1', now: at(6) } })
      .then([{ type: 'TriggerRunForwarded', data: { runId: 'run-1', messageId: 'msg-1', forwardedAt: iso(6) } }]);
  });

  it('refuses an unknown trigger', () => {
    given([])
      .when({ type: 'RecordTriggerRunForwarded', data: { runId: 'run-1', messageId: 'msg-1', now: at(6) } })
      .thenThrows('NOT_FOUND');
  });
});

describe('headersToKeep', () => {
  it('keeps at most the maximum number of headers', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_TRIGGER_HEADERS + 10 }, (_, i) => [`x-h${i}`, 'v']));
    expect(Object.keys(headersToKeep(many))).toHaveLength(MAX_TRIGGER_HEADERS);
  });

  it('keeps a header named __proto__ as a plain key', () => {
    const headers = JSON.parse('{"__proto__": "x", "x-a": "1"}') as Record<string, string>;
    const kept = headersToKeep(headers);
    expect(Object.keys(kept)).toEqual(['__proto__', 'x-a']);
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype);
  });
});

it('folds a stream of every trigger event', () => {
  const state = existing(
    foldEvents(triggerDecider, [
      triggerCreated(),
      triggerFired(),
      { type: 'TriggerRunForwarded', data: { runId: 'run-1', messageId: 'm', forwardedAt: iso(6) } },
      deleted,
    ]),
  );
  expect(state).toMatchObject({ version: 3, deleted: true });
});
