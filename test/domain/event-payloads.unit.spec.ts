import { describe, expect, expectTypeOf, it } from 'vitest';
import type { JsonObject } from '../../src/eventstore/event-store.js';
import { TENANT_EVENT_TYPES, type TenantEvent } from '../../src/domain/tenant/tenant-events.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEvent } from '../../src/domain/webhook/webhook-events.js';

describe('event payloads', () => {
  it('are JSON objects, so the store can hold them as they are (checked by tsc)', () => {
    expectTypeOf<WebhookEvent['data']>().toExtend<JsonObject>();
    expectTypeOf<TenantEvent['data']>().toExtend<JsonObject>();
    expectTypeOf<{ at: Date }>().not.toExtend<JsonObject>();
  });

  it('every event type is listed once', () => {
    expect([...WEBHOOK_EVENT_TYPES].sort()).toStrictEqual([
      'WebhookCreated',
      'WebhookDeactivated',
      'WebhookReactivated',
      'WebhookSecretRotated',
      'WebhookTested',
      'WebhookUpdated',
    ]);
    expect([...TENANT_EVENT_TYPES].sort()).toStrictEqual(['ApiKeyIssued', 'ApiKeyRevoked', 'TenantCreated', 'TenantSettingsUpdated']);
  });
});
