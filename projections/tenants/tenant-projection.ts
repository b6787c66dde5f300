import type Database from 'better-sqlite3';
import type { RecordedEvent } from '../../src/eventstore/event-store.js';
import { idFromStream, TENANT_STREAM_PREFIX } from '../../src/streams/stream-names.js';
import type { TenantEvent } from '../../src/domain/tenant/tenant-events.js';
import type { Projection } from '../projection.js';

/** Tenants, their settings and their API keys (by hash, for authentication). */
export const tenantProjection: Projection = {
  name: 'tenants',
  version: 1,
  filter: { streamNamePrefixes: [TENANT_STREAM_PREFIX] },

  setup(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS tenants (
        id                   TEXT PRIMARY KEY,
        name                 TEXT NOT NULL,
        disabled_event_types TEXT NOT NULL DEFAULT '[]',
        created_at           TEXT NOT NULL,
        updated_at           TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS api_keys (
        key_id     TEXT PRIMARY KEY,
        tenant_id  TEXT NOT NULL,
        name       TEXT NOT NULL,
        key_hash   TEXT NOT NULL UNIQUE,
        key_prefix TEXT NOT NULL,
        issued_at  TEXT NOT NULL,
        revoked_at TEXT
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant_id);
    `);
  },

  reset(db) {
    db.exec('DROP TABLE IF EXISTS api_keys; DROP TABLE IF EXISTS tenants;');
  },

  apply(db, recorded) {
    applyTenantEvent(db, idFromStream(TENANT_STREAM_PREFIX, recorded.streamName), recorded as unknown as RecordedEvent & TenantEvent);
  },
};

function applyTenantEvent(db: Database.Database, tenantId: string, event: TenantEvent): void {
  switch (event.type) {
    case 'TenantCreated':
      db.prepare('INSERT INTO tenants (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)').run(
        tenantId,
        event.data.name,
        event.data.createdAt,
        event.data.createdAt,
      );
      return;
    case 'ApiKeyIssued':
      db.prepare(
        'INSERT INTO api_keys (key_id, tenant_id, name, key_hash, key_prefix, issued_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(event.data.keyId, tenantId, event.data.name, event.data.keyHash, event.data.keyPrefix, event.data.issuedAt);
      return;
    case 'ApiKeyRevoked':
      db.prepare('UPDATE api_keys SET revoked_at = ? WHERE key_id = ?').run(event.data.revokedAt, event.data.keyId);
      return;
    case 'TenantSettingsUpdated':
      db.prepare('UPDATE tenants SET disabled_event_types = ?, updated_at = ? WHERE id = ?').run(
        JSON.stringify(event.data.disabledEventTypes),
        event.data.updatedAt,
        tenantId,
      );
      return;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}
