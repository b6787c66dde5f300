import type Database from 'better-sqlite3';
import { createdAtIdCursor } from '../page-cursors.js';
import type { AttemptErrorKind, DeliveryFailureReason, DeliveryStatus } from '../../src/domain/delivery/delivery-events.js';
import type { JsonValue } from '../../src/domain/json.js';
import type { Cloud } from '../../src/domain/webhook/webhook-events.js';
import { hourBucket } from './delivery-projection.js';

export interface MessageView {
  id: string;
  tenantId: string;
  type: string;
  payload: JsonValue;
  productId: string | null;
  cloud: Cloud | null;
  idempotencyKey: string | null;
  publishedAt: string;
}

export interface DeliveryView {
  id: string;
  tenantId: string;
  messageId: string;
  webhookId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  roundAttempts: number;
  /** When a PENDING delivery is next attempted. */
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  lastErrorKind: AttemptErrorKind | null;
  failureReason: DeliveryFailureReason | null;
  failureDetail: string | null;
  createdAt: string;
  updatedAt: string;
  succeededAt: string | null;
  failedAt: string | null;
  /** Revision of the delivery stream; -1 before its first event. */
  version: number;
}

export interface AttemptView {
  attempt: number;
  attemptedAt: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  errorKind: AttemptErrorKind | null;
  responseExcerpt: string | null;
  nextAttemptAt: string | null;
}

export interface DeliveryHealthStats {
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  /** First failed attempt after the last success (or reactivation); null while not failing. */
  failingSince: string | null;
  attemptsInWindow: number;
  successesInWindow: number;
}

export interface DeliveryListFilter {
  webhookId?: string;
  messageId?: string;
  statuses?: DeliveryStatus[];
  createdAfter?: Date;
  createdBefore?: Date;
}

export interface DeliveryPage {
  deliveries: DeliveryView[];
  cursors: string[];
  hasNextPage: boolean;
  totalCount: number;
}

interface DeliveryRow {
  id: string;
  tenant_id: string;
  message_id: string;
  webhook_id: string;
  event_type: string;
  status: DeliveryStatus;
  attempts: number;
  round_attempts: number;
  next_attempt_at: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  last_error_kind: AttemptErrorKind | null;
  failure_reason: DeliveryFailureReason | null;
  failure_detail: string | null;
  created_at: string;
  updated_at: string;
  succeeded_at: string | null;
  failed_at: string | null;
  version: number;
}

export const toDeliveryView = (row: DeliveryRow): DeliveryView => ({
  id: row.id,
  tenantId: row.tenant_id,
  messageId: row.message_id,
  webhookId: row.webhook_id,
  eventType: row.event_type,
  status: row.status,
  attempts: row.attempts,
  roundAttempts: row.round_attempts,
  nextAttemptAt: row.next_attempt_at,
  lastAttemptAt: row.last_attempt_at,
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  lastErrorKind: row.last_error_kind,
  failureReason: row.failure_reason,
  failureDetail: row.failure_detail,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  succeededAt: row.succeeded_at,
  failedAt: row.failed_at,
  version: row.version,
});

interface MessageRow {
  id: string;
  tenant_id: string;
  type: string;
  payload: string;
  product_id: string | null;
  cloud: Cloud | null;
  idempotency_key: string | null;
  published_at: string;
}

const toMessageView = (row: MessageRow): MessageView => ({
  id: row.id,
  tenantId: row.tenant_id,
  type: row.type,
  payload: JSON.parse(row.payload) as JsonValue,
  productId: row.product_id,
  cloud: row.cloud,
  idempotencyKey: row.idempotency_key,
  publishedAt: row.published_at,
});


/** Reads of the delivery read model for the API; every read is scoped to one tenant. */
export class DeliveryQueries {
  private readonly byId: Database.Statement;
  private readonly attemptsOf: Database.Statement;
  private readonly messageById: Database.Statement;
  private readonly ofMessage: Database.Statement;
  private readonly healthRow: Database.Statement;
  private readonly windowCounts: Database.Statement;
  private readonly failedOfWebhook: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.byId = db.prepare('SELECT * FROM deliveries WHERE id = ? AND tenant_id = ?');
    this.attemptsOf = db.prepare('SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt');
    this.messageById = db.prepare('SELECT * FROM messages WHERE id = ? AND tenant_id = ?');
    // `+tenant_id`: the tenant check must not steer SQLite to the (tenant, created) index and a scan of the tenant.
    this.ofMessage = db.prepare('SELECT * FROM deliveries WHERE message_id = ? AND +tenant_id = ? ORDER BY id');
    this.healthRow = db.prepare('SELECT last_success_at, last_failure_at, failing_since FROM webhook_delivery_health WHERE webhook_id = ?');
    this.windowCounts = db.prepare(
      'SELECT coalesce(sum(attempts), 0) AS attempts, coalesce(sum(successes), 0) AS successes FROM webhook_delivery_hours WHERE webhook_id = ? AND hour >= ?',
    );
    this.failedOfWebhook = db.prepare(
      `SELECT id, message_id, created_at FROM deliveries WHERE webhook_id = ? AND tenant_id = ? AND status = 'FAILED' AND created_at >= ?
       AND (created_at > ? OR (created_at = ? AND id > ?)) ORDER BY created_at, id LIMIT ?`,
    );
  }

  delivery(tenantId: string, id: string): DeliveryView | undefined {
    const row = this.byId.get(id, tenantId) as DeliveryRow | undefined;
    return row && toDeliveryView(row);
  }

  /** Attempts of a delivery the caller already found through `delivery` (so already tenant-checked). */
  attempts(deliveryId: string): AttemptView[] {
    return (this.attemptsOf.all(deliveryId) as Record<string, unknown>[]).map((row) => ({
      attempt: row['attempt'] as number,
      attemptedAt: row['attempted_at'] as string,
      statusCode: row['status_code'] as number | null,
      durationMs: row['duration_ms'] as number,
      error: row['error'] as string | null,
      errorKind: row['error_kind'] as AttemptErrorKind | null,
      responseExcerpt: row['response_excerpt'] as string | null,
      nextAttemptAt: row['next_attempt_at'] as string | null,
    }));
  }

  message(tenantId: string, id: string): MessageView | undefined {
    const row = this.messageById.get(id, tenantId) as MessageRow | undefined;
    return row && toMessageView(row);
  }

  deliveriesOfMessage(tenantId: string, messageId: string): DeliveryView[] {
    return (this.ofMessage.all(messageId, tenantId) as DeliveryRow[]).map(toDeliveryView);
  }

  /** Newest first, keyset-paginated on (created_at, id) descending. */
  list(tenantId: string, filter: DeliveryListFilter, first: number, after?: string): DeliveryPage {
    // With a webhook or message, their index is the narrow one: keep the tenant check off the index choice.
    const narrowed = filter.webhookId !== undefined || filter.messageId !== undefined;
    const where: string[] = [narrowed ? '+tenant_id = ?' : 'tenant_id = ?'];
    const params: (string | number)[] = [tenantId];
    if (filter.webhookId !== undefined) {
      where.push('webhook_id = ?');
      params.push(filter.webhookId);
    }
    if (filter.messageId !== undefined) {
      where.push('message_id = ?');
      params.push(filter.messageId);
    }
    if (filter.statuses && filter.statuses.length > 0) {
      where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
      params.push(...filter.statuses);
    }
    if (filter.createdAfter) {
      where.push('created_at > ?');
      params.push(filter.createdAfter.toISOString());
    }
    if (filter.createdBefore) {
      where.push('created_at < ?');
      params.push(filter.createdBefore.toISOString());
    }
    const totalCount = this.db.prepare(`SELECT count(*) FROM deliveries WHERE ${where.join(' AND ')}`).pluck().get(...params) as number;
    if (after !== undefined) {
      const [createdAt, id] = createdAtIdCursor.decode(after);
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(createdAt, createdAt, id);
    }
    const rows = this.db
      .prepare(`SELECT * FROM deliveries WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`)
      .all(...params, first + 1) as DeliveryRow[];
    const deliveries = rows.slice(0, first).map(toDeliveryView);
    return {
      deliveries,
      cursors: deliveries.map((d) => createdAtIdCursor.encode(d.createdAt, d.id)),
      hasNextPage: rows.length > first,
      totalCount,
    };
  }

  /** Failed deliveries of a webhook created at or after `since`, oldest first, in pages after (createdAt, id). */
  failedDeliveries(
    tenantId: string,
    webhookId: string,
    since: Date,
    limit: number,
    after: { createdAt: string; id: string } = { createdAt: '', id: '' },
  ): { id: string; messageId: string; createdAt: string }[] {
    return (
      this.failedOfWebhook.all(webhookId, tenantId, since.toISOString(), after.createdAt, after.createdAt, after.id, limit) as {
        id: string;
        message_id: string;
        created_at: string;
      }[]
    ).map((row) => ({ id: row.id, messageId: row.message_id, createdAt: row.created_at }));
  }

  /** The webhook's first failed attempt after its last success (or reactivation); null while it is not failing. */
  failingSince(webhookId: string): string | null {
    const row = this.healthRow.get(webhookId) as { failing_since: string | null } | undefined;
    return row?.failing_since ?? null;
  }

  /** Delivery health of a webhook at `now`; counts cover whole hours, from the hour `windowMs` ago to now. */
  healthStats(webhookId: string, now: Date, windowMs: number): DeliveryHealthStats {
    const row = this.healthRow.get(webhookId) as
      | { last_success_at: string | null; last_failure_at: string | null; failing_since: string | null }
      | undefined;
    const counts = this.windowCounts.get(webhookId, hourBucket(new Date(now.getTime() - windowMs).toISOString())) as {
      attempts: number;
      successes: number;
    };
    return {
      lastSuccessAt: row?.last_success_at || null,
      lastFailureAt: row?.last_failure_at || null,
      failingSince: row?.failing_since ?? null,
      attemptsInWindow: counts.attempts,
      successesInWindow: counts.successes,
    };
  }
}
