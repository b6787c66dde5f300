import type Database from 'better-sqlite3';
import { evolveWebhook, initialWebhookState, type Webhook, type WebhookEvent, type WebhookState } from '../../src/domain/webhook/webhook-events.js';
import { WEBHOOK_STREAM_PREFIX } from '../../src/streams/stream-names.js';
import type { Projection } from '../projection.js';

/**
 * The webhook read model: the folded webhook (with the domain's own `evolve`)
 * as a document, plus the columns that queries filter and sort on.
 */
export const webhookProjection: Projection = {
  name: 'webhooks',
  // 2: a rowid table and indexes for product-level and state-filtered lists (the rebuild drops the old ones).
  version: 2,
  filter: { streamNamePrefixes: [WEBHOOK_STREAM_PREFIX] },

  setup(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS webhooks (
        id         TEXT PRIMARY KEY,
        tenant_id  TEXT NOT NULL,
        state      TEXT NOT NULL,
        product_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version    INTEGER NOT NULL,
        position   INTEGER NOT NULL,
        doc        TEXT NOT NULL
      );
      -- Not WITHOUT ROWID: such a table keeps rows in an index b-tree, which holds about 1 KB of a row in place
      -- and moves the rest of a webhook's document to an overflow page of its own, making every row cost pages.
      -- Lists come oldest first (created_at, id), of a whole tenant or of one product (or the tenant level, NULL),
      -- so that a page is read in index order; counts by state are answered from an index alone.
      -- SQLite plans without statistics here: with only (tenant_id, product_id) it walked a whole tenant in
      -- creation order to find one product's webhooks.
      CREATE INDEX IF NOT EXISTS webhooks_tenant_created ON webhooks (tenant_id, created_at, id);
      CREATE INDEX IF NOT EXISTS webhooks_tenant_product_created ON webhooks (tenant_id, product_id, created_at, id);
      CREATE INDEX IF NOT EXISTS webhooks_tenant_state ON webhooks (tenant_id, state, product_id, created_at);
    `);
  },

  reset(db) {
    db.exec('DROP TABLE IF EXISTS webhooks');
  },

  apply(db, recorded) {
    const id = recorded.streamName.slice(WEBHOOK_STREAM_PREFIX.length);
    const row = statements(db).load.get(id) as { doc: string } | undefined;
    const before: WebhookState = row ? (JSON.parse(row.doc) as Webhook) : initialWebhookState();
    const after = evolveWebhook(before, { type: recorded.type, data: recorded.data } as WebhookEvent);
    if (!after.exists) return;
    statements(db).save.run(
      after.id,
      after.tenantId,
      after.state,
      after.productId,
      after.createdAt,
      after.updatedAt,
      after.version,
      recorded.position,
      JSON.stringify(after),
    );
  },
};

const prepared = new WeakMap<Database.Database, { load: Database.Statement; save: Database.Statement }>();

function statements(db: Database.Database) {
  let s = prepared.get(db);
  if (!s) {
    s = {
      load: db.prepare('SELECT doc FROM webhooks WHERE id = ?'),
      save: db.prepare(
        `INSERT INTO webhooks (id, tenant_id, state, product_id, created_at, updated_at, version, position, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, product_id = excluded.product_id,
           updated_at = excluded.updated_at, version = excluded.version, position = excluded.position, doc = excluded.doc`,
      ),
    };
    prepared.set(db, s);
  }
  return s;
}
