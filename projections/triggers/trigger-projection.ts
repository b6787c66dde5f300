import type Database from 'better-sqlite3';
import {
  evolveTrigger,
  initialTriggerState,
  type Trigger,
  type TriggerEvent,
  type TriggerState,
} from '../../src/domain/trigger/trigger-events.js';
import type { RecordedEvent } from '../../src/eventstore/event-store.js';
import { idFromStream, TRIGGER_STREAM_PREFIX } from '../../src/streams/stream-names.js';
import type { Projection } from '../projection.js';

/**
 * Triggers (the folded trigger as a document, with its sealed secret, which
 * the inbound endpoint verifies calls with) and their runs, one row per
 * accepted call.
 */
export const triggerProjection: Projection = {
  name: 'triggers',
  version: 1,
  filter: { streamNamePrefixes: [TRIGGER_STREAM_PREFIX] },

  setup(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS triggers (
        id                    TEXT PRIMARY KEY,
        tenant_id             TEXT NOT NULL,
        name                  TEXT NOT NULL,
        forward_as_event_type TEXT,
        deleted               INTEGER NOT NULL,
        created_at            TEXT NOT NULL,
        updated_at            TEXT NOT NULL,
        version               INTEGER NOT NULL,
        position              INTEGER NOT NULL,
        doc                   TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS triggers_tenant_created ON triggers (tenant_id, created_at, id);
      CREATE TABLE IF NOT EXISTS trigger_runs (
        run_id                TEXT PRIMARY KEY,
        trigger_id            TEXT NOT NULL,
        tenant_id             TEXT NOT NULL,
        position              INTEGER NOT NULL,
        received_at           TEXT NOT NULL,
        content_type          TEXT,
        body_encoding         TEXT NOT NULL,
        body                  TEXT NOT NULL,
        body_bytes            INTEGER NOT NULL,
        headers               TEXT NOT NULL,
        forward_as_event_type TEXT,
        forwarded_message_id  TEXT,
        webhook_message_id    TEXT
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS trigger_runs_trigger_position ON trigger_runs (trigger_id, position);
      CREATE INDEX IF NOT EXISTS trigger_runs_trigger_message ON trigger_runs (trigger_id, webhook_message_id)
        WHERE webhook_message_id IS NOT NULL;
      -- The forwarding reactor's work list: it stays as small as the runs not forwarded yet.
      CREATE INDEX IF NOT EXISTS trigger_runs_to_forward ON trigger_runs (position)
        WHERE forward_as_event_type IS NOT NULL AND forwarded_message_id IS NULL;
    `);
  },

  reset(db) {
    db.exec('DROP TABLE IF EXISTS trigger_runs; DROP TABLE IF EXISTS triggers;');
  },

  apply(db, recorded) {
    const triggerId = idFromStream(TRIGGER_STREAM_PREFIX, recorded.streamName);
    const event = { type: recorded.type, data: recorded.data } as TriggerEvent;
    const s = statements(db);
    const row = s.load.get(triggerId) as string | undefined;
    const before: TriggerState = row === undefined ? initialTriggerState() : (JSON.parse(row) as Trigger);
    const after = evolveTrigger(before, event);
    if (!after.exists) return;
    s.save.run(
      after.id,
      after.tenantId,
      after.name,
      after.forwardAsEventType,
      after.deleted ? 1 : 0,
      after.createdAt,
      after.updatedAt,
      after.version,
      recorded.position,
      JSON.stringify(after),
    );
    applyRun(s, after, event, recorded);
  },
};

function applyRun(s: Statements, trigger: Trigger, event: TriggerEvent, recorded: RecordedEvent): void {
  switch (event.type) {
    case 'TriggerFired': {
      const d = event.data;
      s.insertRun.run(
        d.runId,
        trigger.id,
        trigger.tenantId,
        recorded.position,
        d.receivedAt,
        d.contentType,
        d.bodyEncoding,
        JSON.stringify(d.body),
        d.bodyBytes,
        JSON.stringify(d.headers),
        d.forwardAsEventType,
        // Lets a repeated Standard Webhooks message be recognised (see TriggerCalls).
        Object.hasOwn(d.headers, 'webhook-id') ? d.headers['webhook-id'] : null,
      );
      return;
    }
    case 'TriggerRunForwarded':
      s.forwarded.run(event.data.messageId, event.data.runId, trigger.id);
      return;
    case 'TriggerCreated':
    case 'TriggerUpdated':
    case 'TriggerSecretRotated':
    case 'TriggerDeleted':
      return;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

type Statements = {
  load: Database.Statement;
  save: Database.Statement;
  insertRun: Database.Statement;
  forwarded: Database.Statement;
};

const prepared = new WeakMap<Database.Database, Statements>();

function statements(db: Database.Database): Statements {
  let s = prepared.get(db);
  if (!s) {
    s = {
      load: db.prepare('SELECT doc FROM triggers WHERE id = ?').pluck(),
      save: db.prepare(
        `INSERT INTO triggers (id, tenant_id, name, forward_as_event_type, deleted, created_at, updated_at, version, position, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, forward_as_event_type = excluded.forward_as_event_type,
           deleted = excluded.deleted, updated_at = excluded.updated_at, version = excluded.version,
           position = excluded.position, doc = excluded.doc`,
      ),
      // A run id is unique per call; OR IGNORE keeps a replayed duplicate from failing the projection.
      insertRun: db.prepare(
        `INSERT OR IGNORE INTO trigger_runs (run_id, trigger_id, tenant_id, position, received_at, content_type, body_encoding,
           body, body_bytes, headers, forward_as_event_type, webhook_message_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      forwarded: db.prepare('UPDATE trigger_runs SET forwarded_message_id = ? WHERE run_id = ? AND trigger_id = ?'),
    };
    prepared.set(db, s);
  }
  return s;
}
