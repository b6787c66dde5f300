import type Database from 'better-sqlite3';
import {
  evolveDelivery,
  initialDeliveryState,
  type DeliveryAttempted,
  type DeliverySucceeded,
  type DeliveryEvent,
  type DeliveryState,
  type DeliveryStatus,
} from '../../src/domain/delivery/delivery-events.js';
import type { MessageEvent } from '../../src/domain/message/message-events.js';
import type { WebhookEvent } from '../../src/domain/webhook/webhook-events.js';
import type { RecordedEvent } from '../../src/eventstore/event-store.js';
import { DELIVERY_STREAM_PREFIX, MESSAGE_STREAM_PREFIX, WEBHOOK_STREAM_PREFIX } from '../../src/streams/stream-names.js';
import type { Projection } from '../projection.js';

/**
 * Messages, deliveries with their attempts, and per-webhook delivery health,
 * in one projection: a publish waits on one checkpoint, and the worker's queue
 * (pending rows by due time), the API's views and the health counts never
 * disagree about an event.
 *
 * A delivery row is created by its MessagePublished (its own stream is empty
 * until the first attempt) and holds the folded DeliveryState (status,
 * attempts, round_attempts, next_attempt_at: the domain's own evolve) plus
 * `version`, its stream revision (-1 before the first event), which the
 * worker appends against, and `attempted_by`: the gateway instance (event
 * metadata `instanceId`) that recorded the attempt which set the current due
 * time, null when a publish or a redelivery set it. With several instances,
 * a retry stays with the instance that recorded the attempt before it.
 */
export const deliveryProjection: Projection = {
  name: 'deliveries',
  version: 2,
  // Webhook events reset a webhook's failing streak when it is reactivated or reconfigured.
  filter: { streamNamePrefixes: [MESSAGE_STREAM_PREFIX, DELIVERY_STREAM_PREFIX, WEBHOOK_STREAM_PREFIX] },

  setup(db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS messages (
        id              TEXT PRIMARY KEY,
        tenant_id       TEXT NOT NULL,
        type            TEXT NOT NULL,
        payload         TEXT NOT NULL,
        product_id      TEXT,
        cloud           TEXT,
        idempotency_key TEXT,
        published_at    TEXT NOT NULL,
        position        INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS deliveries (
        id               TEXT PRIMARY KEY,
        tenant_id        TEXT NOT NULL,
        message_id       TEXT NOT NULL,
        webhook_id       TEXT NOT NULL,
        event_type       TEXT NOT NULL,
        status           TEXT NOT NULL,
        attempts         INTEGER NOT NULL,
        round_attempts   INTEGER NOT NULL,
        next_attempt_at  TEXT,
        last_attempt_at  TEXT,
        last_status_code INTEGER,
        last_error       TEXT,
        last_error_kind  TEXT,
        failure_reason   TEXT,
        failure_detail   TEXT,
        created_at       TEXT NOT NULL,
        updated_at       TEXT NOT NULL,
        succeeded_at     TEXT,
        failed_at        TEXT,
        version          INTEGER NOT NULL,
        attempted_by     TEXT
      ) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_attempt_at) WHERE status = 'PENDING';
      CREATE INDEX IF NOT EXISTS deliveries_tenant_created ON deliveries (tenant_id, created_at, id);
      CREATE INDEX IF NOT EXISTS deliveries_webhook_created ON deliveries (webhook_id, created_at, id);
      CREATE INDEX IF NOT EXISTS deliveries_of_message ON deliveries (message_id, id);
      CREATE TABLE IF NOT EXISTS delivery_attempts (
        delivery_id      TEXT NOT NULL,
        attempt          INTEGER NOT NULL,
        attempted_at     TEXT NOT NULL,
        status_code      INTEGER,
        duration_ms      INTEGER NOT NULL,
        error            TEXT,
        error_kind       TEXT,
        response_excerpt TEXT,
        next_attempt_at  TEXT,
        PRIMARY KEY (delivery_id, attempt)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS webhook_delivery_health (
        webhook_id      TEXT PRIMARY KEY,
        last_success_at TEXT,
        last_failure_at TEXT,
        failing_since   TEXT
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS webhook_delivery_hours (
        webhook_id TEXT NOT NULL,
        hour       TEXT NOT NULL,
        attempts   INTEGER NOT NULL,
        successes  INTEGER NOT NULL,
        PRIMARY KEY (webhook_id, hour)
      ) WITHOUT ROWID;
    `);
  },

  reset(db) {
    db.exec(`
      DROP TABLE IF EXISTS messages; DROP TABLE IF EXISTS deliveries; DROP TABLE IF EXISTS delivery_attempts;
      DROP TABLE IF EXISTS webhook_delivery_health; DROP TABLE IF EXISTS webhook_delivery_hours;
    `);
  },

  applyBatch(db, events) {
    const s = statements(db);
    const successes = new SuccessCounts(s);
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const next = events[i + 1];
      // An attempt and its success are appended together: one read and one update of the row for both.
      if (next && isAttemptThenSuccess(event, next)) {
        applyAttemptAndSuccess(s, event as RecordedEvent & DeliveryAttempted, next as RecordedEvent & DeliverySucceeded, successes);
        i += 1;
      } else {
        // Whatever else happens to a webhook's health comes after the successes counted so far.
        successes.flush();
        this.apply(db, event);
      }
    }
    successes.flush();
  },

  apply(db, recorded) {
    const s = statements(db);
    if (recorded.streamName.startsWith(MESSAGE_STREAM_PREFIX)) {
      applyMessageEvent(s, recorded as unknown as RecordedEvent & MessageEvent);
    } else if (recorded.streamName.startsWith(DELIVERY_STREAM_PREFIX)) {
      applyDeliveryEvent(s, recorded as unknown as RecordedEvent & DeliveryEvent);
    } else {
      applyWebhookEvent(s, recorded as unknown as RecordedEvent & WebhookEvent);
    }
  },
};

/** Hour buckets of attempts older than this (before the attempt being applied) are dropped. */
const KEEP_HOURS_MS = 48 * 60 * 60 * 1000;
export const hourBucket = (iso: string): string => iso.slice(0, 13);

function applyMessageEvent(s: Statements, event: RecordedEvent & MessageEvent): void {
  switch (event.type) {
    case 'MessagePublished': {
      const m = event.data;
      s.insertMessage.run(
        m.messageId,
        m.tenantId,
        m.type,
        JSON.stringify(m.payload),
        m.productId,
        m.cloud,
        m.idempotencyKey,
        m.publishedAt,
        event.position,
      );
      for (const { deliveryId, webhookId } of m.deliveries) {
        s.insertDelivery.run(deliveryId, m.tenantId, m.messageId, webhookId, m.type, m.publishedAt, m.publishedAt, m.publishedAt);
      }
      return;
    }
    default: {
      const unhandled: never = event.type;
      return unhandled;
    }
  }
}

interface StateRow {
  status: DeliveryStatus;
  attempts: number;
  round_attempts: number;
  next_attempt_at: string | null;
}

function loadDeliveryState(s: Statements, id: string): DeliveryState {
  const row = s.loadState.get(id) as StateRow | undefined;
  if (!row) throw new Error(`Delivery ${id} has events but was never published`);
  return { status: row.status, attempts: row.attempts, roundAttempts: row.round_attempts, nextAttemptAt: row.next_attempt_at };
}

/** The gateway that made the attempt, as its metadata names it. */
const attemptedBy = (event: RecordedEvent & DeliveryAttempted): string | null =>
  typeof event.metadata.instanceId === 'string' ? event.metadata.instanceId : null;

/** The attempt's own row and its count in the webhook's health. */
function recordAttempt(s: Statements, id: string, a: DeliveryAttempted['data']): void {
  insertAttemptRow(s, id, a);
  countAttempt(s, a.webhookId, a.attemptedAt, a.errorKind === null);
}

function insertAttemptRow(s: Statements, id: string, a: DeliveryAttempted['data']): void {
  s.insertAttempt.run(id, a.attempt, a.attemptedAt, a.statusCode, a.durationMs, a.error, a.errorKind, a.responseExcerpt, a.nextAttemptAt);
}

function applyDeliveryEvent(s: Statements, event: RecordedEvent & DeliveryEvent): void {
  const id = event.data.deliveryId;
  const after = evolveDelivery(loadDeliveryState(s, id), event);
  const fold = [after.status, after.attempts, after.roundAttempts, after.nextAttemptAt, event.revision] as const;

  switch (event.type) {
    case 'DeliveryAttempted': {
      const a = event.data;
      s.attempted.run(...fold, a.attemptedAt, a.statusCode, a.error, a.errorKind, attemptedBy(event), a.attemptedAt, id);
      recordAttempt(s, id, a);
      return;
    }
    case 'DeliverySucceeded':
      s.succeeded.run(...fold, event.data.succeededAt, event.data.succeededAt, id);
      return;
    case 'DeliveryFailed':
      s.failed.run(...fold, event.data.reason, event.data.detail, event.data.failedAt, event.data.failedAt, id);
      return;
    case 'DeliveryRedeliveryRequested':
      s.redelivery.run(...fold, event.data.requestedAt, id);
      return;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

function isAttemptThenSuccess(first: RecordedEvent, second: RecordedEvent): boolean {
  return (
    first.type === 'DeliveryAttempted' &&
    second.type === 'DeliverySucceeded' &&
    second.streamName === first.streamName &&
    second.revision === first.revision + 1 &&
    first.streamName.startsWith(DELIVERY_STREAM_PREFIX)
  );
}

/** The same rows as applyDeliveryEvent on the attempt, then on the success; the health counts go to `successes`. */
function applyAttemptAndSuccess(
  s: Statements,
  attempted: RecordedEvent & DeliveryAttempted,
  succeeded: RecordedEvent & DeliverySucceeded,
  successes: SuccessCounts,
): void {
  const id = attempted.data.deliveryId;
  // The first event of a delivery's stream finds it as its publish left it: no need to read that back.
  const before = attempted.revision === 0 ? initialDeliveryState() : loadDeliveryState(s, id);
  const after = evolveDelivery(evolveDelivery(before, attempted), succeeded);
  const a = attempted.data;
  const at = succeeded.data.succeededAt;
  const updated = s.attemptedAndSucceeded.run(
    after.status,
    after.attempts,
    after.roundAttempts,
    after.nextAttemptAt,
    succeeded.revision,
    a.attemptedAt,
    a.statusCode,
    a.error,
    a.errorKind,
    attemptedBy(attempted),
    at,
    at,
    id,
  );
  if (updated.changes !== 1) throw new Error(`Delivery ${id} has events but was never published`);
  insertAttemptRow(s, id, a);
  successes.add(a.webhookId, a.attemptedAt);
}

/**
 * Successful attempts of a batch, counted into each webhook's health with one
 * write per webhook and hour instead of two per attempt: the same rows as
 * countAttempt on each in turn. A webhook's last success is the latest of
 * them (the failing streak survives only a failure later than all of them),
 * and its attempts of one hour are added at once; an attempt of another hour
 * first writes what was counted, so that old hours are pruned in the same
 * order as one by one.
 */
class SuccessCounts {
  private readonly byWebhook = new Map<string, { lastAt: string; hour: string; count: number }>();

  constructor(private readonly s: Statements) {}

  add(webhookId: string, attemptedAt: string): void {
    const hour = hourBucket(attemptedAt);
    const pending = this.byWebhook.get(webhookId);
    if (pending && pending.hour === hour) {
      pending.count += 1;
      if (attemptedAt > pending.lastAt) pending.lastAt = attemptedAt;
      return;
    }
    if (pending) this.write(webhookId, pending);
    this.byWebhook.set(webhookId, { lastAt: attemptedAt, hour, count: 1 });
  }

  flush(): void {
    if (this.byWebhook.size === 0) return;
    for (const [webhookId, pending] of this.byWebhook) this.write(webhookId, pending);
    this.byWebhook.clear();
  }

  private write(webhookId: string, { lastAt, count }: { lastAt: string; count: number }): void {
    this.s.healthSuccess.run({ webhook: webhookId, at: lastAt });
    countInHour(this.s, webhookId, lastAt, count, count);
  }
}

/**
 * Concurrent attempts may be recorded out of order: the latest times are
 * kept, and the failing streak starts at the first failure after the latest
 * success, whatever the order the events arrive in.
 */
function countAttempt(s: Statements, webhookId: string, attemptedAt: string, ok: boolean): void {
  const params = { webhook: webhookId, at: attemptedAt };
  if (ok) s.healthSuccess.run(params);
  else s.healthFailure.run(params);
  countInHour(s, webhookId, attemptedAt, 1, ok ? 1 : 0);
}

/** Adds attempts to the hour bucket of `attemptedAt`; the first to open a bucket drops the buckets too old to keep. */
function countInHour(s: Statements, webhookId: string, attemptedAt: string, attempts: number, successes: number): void {
  const inBucket = s.countHour.get({ webhook: webhookId, at: hourBucket(attemptedAt), attempts, successes }) as number;
  if (inBucket === attempts) s.pruneHours.run(webhookId, hourBucket(new Date(Date.parse(attemptedAt) - KEEP_HOURS_MS).toISOString()));
}

function applyWebhookEvent(s: Statements, event: RecordedEvent & WebhookEvent): void {
  const webhookId = event.streamName.slice(WEBHOOK_STREAM_PREFIX.length);
  // A reactivated or reconfigured webhook starts a new chance: its old failures no longer count towards auto-disable.
  if (event.type === 'WebhookReactivated' || (event.type === 'WebhookUpdated' && event.data.state === 'NEW')) {
    s.healthReset.run(webhookId);
  }
}

type Statements = ReturnType<typeof prepare>;
const prepared = new WeakMap<Database.Database, Statements>();

function statements(db: Database.Database): Statements {
  let s = prepared.get(db);
  if (!s) {
    s = prepare(db);
    prepared.set(db, s);
  }
  return s;
}

const FOLD_COLUMNS = 'status = ?, attempts = ?, round_attempts = ?, next_attempt_at = ?, version = ?';

function prepare(db: Database.Database) {
  return {
    insertMessage: db.prepare(
      `INSERT INTO messages (id, tenant_id, type, payload, product_id, cloud, idempotency_key, published_at, position)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertDelivery: db.prepare(
      `INSERT INTO deliveries (id, tenant_id, message_id, webhook_id, event_type, status, attempts, round_attempts,
         next_attempt_at, created_at, updated_at, version)
       VALUES (?, ?, ?, ?, ?, 'PENDING', 0, 0, ?, ?, ?, -1)`,
    ),
    loadState: db.prepare('SELECT status, attempts, round_attempts, next_attempt_at FROM deliveries WHERE id = ?'),
    attempted: db.prepare(
      `UPDATE deliveries SET ${FOLD_COLUMNS}, last_attempt_at = ?, last_status_code = ?, last_error = ?, last_error_kind = ?,
         attempted_by = ?, updated_at = ? WHERE id = ?`,
    ),
    succeeded: db.prepare(`UPDATE deliveries SET ${FOLD_COLUMNS}, succeeded_at = ?, updated_at = ? WHERE id = ?`),
    attemptedAndSucceeded: db.prepare(
      `UPDATE deliveries SET ${FOLD_COLUMNS}, last_attempt_at = ?, last_status_code = ?, last_error = ?, last_error_kind = ?,
         attempted_by = ?, succeeded_at = ?, updated_at = ? WHERE id = ?`,
    ),
    failed: db.prepare(
      `UPDATE deliveries SET ${FOLD_COLUMNS}, failure_reason = ?, failure_detail = ?, failed_at = ?, updated_at = ? WHERE id = ?`,
    ),
    redelivery: db.prepare(
      `UPDATE deliveries SET ${FOLD_COLUMNS}, succeeded_at = NULL, failed_at = NULL, failure_reason = NULL,
         failure_detail = NULL, attempted_by = NULL, updated_at = ? WHERE id = ?`,
    ),
    insertAttempt: db.prepare(
      `INSERT INTO delivery_attempts (delivery_id, attempt, attempted_at, status_code, duration_ms, error, error_kind,
         response_excerpt, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    healthSuccess: db.prepare(
      `INSERT INTO webhook_delivery_health (webhook_id, last_success_at) VALUES (@webhook, @at)
       ON CONFLICT (webhook_id) DO UPDATE SET
         last_success_at = max(coalesce(last_success_at, ''), @at),
         failing_since = CASE WHEN failing_since > @at THEN failing_since END`,
    ),
    healthFailure: db.prepare(
      `INSERT INTO webhook_delivery_health (webhook_id, last_failure_at, failing_since) VALUES (@webhook, @at, @at)
       ON CONFLICT (webhook_id) DO UPDATE SET
         last_failure_at = max(coalesce(last_failure_at, ''), @at),
         failing_since = CASE
           WHEN failing_since IS NOT NULL THEN
             CASE WHEN @at < failing_since AND (last_success_at IS NULL OR @at > last_success_at) THEN @at ELSE failing_since END
           WHEN last_success_at >= @at THEN NULL
           ELSE @at END`,
    ),
    healthReset: db.prepare('UPDATE webhook_delivery_health SET failing_since = NULL WHERE webhook_id = ?'),
    countHour: db
      .prepare(
        `INSERT INTO webhook_delivery_hours (webhook_id, hour, attempts, successes) VALUES (@webhook, @at, @attempts, @successes)
         ON CONFLICT (webhook_id, hour) DO UPDATE SET attempts = attempts + @attempts, successes = successes + @successes
         RETURNING attempts`,
      )
      .pluck(),
    pruneHours: db.prepare('DELETE FROM webhook_delivery_hours WHERE webhook_id = ? AND hour < ?'),
  };
}
