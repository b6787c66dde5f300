import type Database from 'better-sqlite3';
import type { DeliveryState } from '../../src/domain/delivery/delivery-events.js';
import type { MessagePublished } from '../../src/domain/message/message-events.js';

/** A pending delivery whose attempt is due: what the worker needs to make it and record it. */
export interface DueDelivery {
  id: string;
  tenantId: string;
  messageId: string;
  webhookId: string;
  /** The folded state, for the delivery decider. */
  state: DeliveryState;
  /** Revision of the delivery stream the attempt is appended against; -1 before its first event. */
  version: number;
  nextAttemptAt: string;
  /** The gateway instance that recorded the attempt which scheduled this one; null for a first attempt or a redelivery. */
  attemptedBy: string | null;
}

/** What the body of a delivery is built from. */
export interface MessageToSend {
  type: string;
  /** The payload as stored: JSON text, put into the body without parsing it again. */
  payloadJson: string;
  publishedAt: string;
}

interface DueRow {
  id: string;
  tenant_id: string;
  message_id: string;
  webhook_id: string;
  attempts: number;
  round_attempts: number;
  next_attempt_at: string;
  version: number;
  attempted_by: string | null;
}

const DUE_COLUMNS = 'id, tenant_id, message_id, webhook_id, attempts, round_attempts, next_attempt_at, version, attempted_by';

function toDueDelivery(row: DueRow): DueDelivery {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    messageId: row.message_id,
    webhookId: row.webhook_id,
    state: { status: 'PENDING', attempts: row.attempts, roundAttempts: row.round_attempts, nextAttemptAt: row.next_attempt_at },
    version: row.version,
    nextAttemptAt: row.next_attempt_at,
    attemptedBy: row.attempted_by,
  };
}

/**
 * The rows a MessagePublished creates, as the delivery projection inserts them
 * (insertDelivery): each PENDING, due at publish time, before its first event.
 */
export function publishedDeliveries(message: MessagePublished['data']): DueDelivery[] {
  return message.deliveries.map(({ deliveryId, webhookId }) => ({
    id: deliveryId,
    tenantId: message.tenantId,
    messageId: message.messageId,
    webhookId,
    state: { status: 'PENDING', attempts: 0, roundAttempts: 0, nextAttemptAt: message.publishedAt },
    version: -1,
    nextAttemptAt: message.publishedAt,
    attemptedBy: null,
  }));
}

/**
 * The worker's queue is the deliveries table itself: PENDING rows by due time
 * (a partial index holds only those), so that it is rebuilt with the read
 * model and survives restarts with nothing else to keep.
 */
export class DueDeliveries {
  private readonly dueStatement: Database.Statement;
  private readonly nextDueStatement: Database.Statement;
  private readonly messageStatement: Database.Statement;
  private readonly pendingCountStatement: Database.Statement;
  private readonly pendingStatement: Database.Statement;
  private readonly pendingByIdStatement: Database.Statement;

  constructor(db: Database.Database) {
    this.dueStatement = db.prepare(
      `SELECT ${DUE_COLUMNS}
       FROM deliveries
       WHERE status = 'PENDING' AND next_attempt_at <= ?
         AND webhook_id NOT IN (SELECT value FROM json_each(?))
         AND id NOT IN (SELECT value FROM json_each(?))
       ORDER BY next_attempt_at LIMIT ?`,
    );
    this.nextDueStatement = db
      .prepare(`SELECT min(next_attempt_at) FROM deliveries WHERE status = 'PENDING' AND next_attempt_at > ?`)
      .pluck();
    this.messageStatement = db.prepare('SELECT type, payload, published_at FROM messages WHERE id = ?');
    this.pendingCountStatement = db.prepare(`SELECT count(*) FROM deliveries WHERE status = 'PENDING'`).pluck();
    this.pendingStatement = db.prepare(
      `SELECT ${DUE_COLUMNS} FROM deliveries WHERE status = 'PENDING' ORDER BY next_attempt_at, id LIMIT ?`,
    );
    this.pendingByIdStatement = db.prepare(`SELECT ${DUE_COLUMNS} FROM deliveries WHERE id = ? AND status = 'PENDING'`);
  }

  /**
   * Due at `now` (ISO), earliest first, leaving out the webhooks in
   * `skipWebhooks` (those at their limit) and the deliveries in `skip` (those
   * being worked on).
   */
  due(now: string, limit: number, skipWebhooks: readonly string[], skip: Iterable<string>): DueDelivery[] {
    const rows = this.dueStatement.all(now, JSON.stringify(skipWebhooks), JSON.stringify([...skip]), limit) as DueRow[];
    return rows.map(toDueDelivery);
  }

  /** The first `limit` PENDING deliveries, due or not, earliest first (then by id). */
  pending(limit: number): DueDelivery[] {
    return (this.pendingStatement.all(limit) as DueRow[]).map(toDueDelivery);
  }

  /** The delivery while it is PENDING; undefined once it is final (or unknown). */
  pendingById(id: string): DueDelivery | undefined {
    const row = this.pendingByIdStatement.get(id) as DueRow | undefined;
    return row && toDueDelivery(row);
  }

  /** The earliest due time strictly after `now`, to sleep until; null when nothing is waiting. */
  nextDueAfter(now: string): string | null {
    return (this.nextDueStatement.get(now) as string | null) ?? null;
  }

  message(messageId: string): MessageToSend | undefined {
    const row = this.messageStatement.get(messageId) as { type: string; payload: string; published_at: string } | undefined;
    return row && { type: row.type, payloadJson: row.payload, publishedAt: row.published_at };
  }

  pendingCount(): number {
    return this.pendingCountStatement.get() as number;
  }
}
