import type Database from 'better-sqlite3';
import { createdAtIdCursor } from '../page-cursors.js';
import type { Webhook, WebhookStatus } from '../../src/domain/webhook/webhook-events.js';

export interface WebhookListFilter {
  /** When absent, every state but DEACTIVATED. */
  states?: WebhookStatus[];
  productId?: string;
  /** Only tenant-level webhooks (no product id). */
  tenantLevelOnly?: boolean;
  createdAfter?: Date;
  createdBefore?: Date;
}

export interface WebhookPage {
  webhooks: Webhook[];
  /** Cursor of each returned webhook, in the same order. */
  cursors: string[];
  hasNextPage: boolean;
  totalCount: number;
}


/** Reads of the webhook read model; every read is scoped to one tenant. */
export class WebhookQueries {
  private readonly byId: Database.Statement;
  /** One prepared statement per shape of list query; the shapes are few (which filters are given). */
  private readonly listStatements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {
    this.byId = db.prepare('SELECT doc FROM webhooks WHERE id = ? AND tenant_id = ?').pluck();
  }

  webhook(tenantId: string, id: string): Webhook | undefined {
    const doc = this.byId.get(id, tenantId) as string | undefined;
    return doc === undefined ? undefined : (JSON.parse(doc) as Webhook);
  }

  /** Oldest first, keyset-paginated on (created_at, id). */
  list(tenantId: string, filter: WebhookListFilter, first: number, after?: string): WebhookPage {
    const where: string[] = ['tenant_id = ?'];
    const params: (string | number)[] = [tenantId];
    const states = filter.states && filter.states.length > 0 ? filter.states : (['NEW', 'VALID', 'INVALID'] as const);
    where.push(`state IN (${states.map(() => '?').join(', ')})`);
    params.push(...states);
    if (filter.productId !== undefined) {
      where.push('product_id = ?');
      params.push(filter.productId);
    } else if (filter.tenantLevelOnly) {
      where.push('product_id IS NULL');
    }
    if (filter.createdAfter) {
      where.push('created_at > ?');
      params.push(filter.createdAfter.toISOString());
    }
    if (filter.createdBefore) {
      where.push('created_at < ?');
      params.push(filter.createdBefore.toISOString());
    }
    const totalCount = this.statement(`SELECT count(*) FROM webhooks WHERE ${where.join(' AND ')}`).get(...params) as number;

    if (after !== undefined) {
      const [createdAt, id] = createdAtIdCursor.decode(after);
      where.push('(created_at > ? OR (created_at = ? AND id > ?))');
      params.push(createdAt, createdAt, id);
    }
    const rows = this.statement(`SELECT doc FROM webhooks WHERE ${where.join(' AND ')} ORDER BY created_at, id LIMIT ?`).all(
      ...params,
      first + 1,
    ) as string[];
    const webhooks = rows.slice(0, first).map((doc) => JSON.parse(doc) as Webhook);
    return {
      webhooks,
      cursors: webhooks.map((w) => createdAtIdCursor.encode(w.createdAt, w.id)),
      hasNextPage: rows.length > first,
      totalCount,
    };
  }

  private statement(sql: string): Database.Statement {
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql).pluck();
      this.listStatements.set(sql, statement);
    }
    return statement;
  }
}
