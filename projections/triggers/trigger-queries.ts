import type Database from 'better-sqlite3';
import { positionCursor } from '../page-cursors.js';
import type { Trigger, TriggerBodyEncoding, TriggerJson } from '../../src/domain/trigger/trigger-events.js';

/** One accepted call of a trigger. */
export interface TriggerRunView {
  runId: string;
  triggerId: string;
  /** Global log position of its TriggerFired event: orders runs and makes cursors. */
  position: number;
  receivedAt: string;
  contentType: string | null;
  bodyEncoding: TriggerBodyEncoding;
  body: TriggerJson;
  bodyBytes: number;
  headers: Record<string, string>;
  forwardAsEventType: string | null;
  /** Set once the forwarding reactor published the call as a message. */
  forwardedMessageId: string | null;
}

/** A run the forwarding reactor still has to publish. */
export interface RunAwaitingForward {
  runId: string;
  triggerId: string;
  tenantId: string;
  position: number;
}

export interface TriggerRunPage {
  runs: TriggerRunView[];
  cursors: string[];
  hasNextPage: boolean;
  totalCount: number;
}

interface RunRow {
  run_id: string;
  trigger_id: string;
  position: number;
  received_at: string;
  content_type: string | null;
  body_encoding: TriggerBodyEncoding;
  body: string;
  body_bytes: number;
  headers: string;
  forward_as_event_type: string | null;
  forwarded_message_id: string | null;
}

const toRun = (row: RunRow): TriggerRunView => ({
  runId: row.run_id,
  triggerId: row.trigger_id,
  position: row.position,
  receivedAt: row.received_at,
  contentType: row.content_type,
  bodyEncoding: row.body_encoding,
  body: JSON.parse(row.body) as TriggerJson,
  bodyBytes: row.body_bytes,
  headers: JSON.parse(row.headers) as Record<string, string>,
  forwardAsEventType: row.forward_as_event_type,
  forwardedMessageId: row.forwarded_message_id,
});

const runCursor = positionCursor('run');

/** Reads of the trigger read model. Deleted triggers are invisible; every read but `forCall` is scoped to one tenant. */
export class TriggerQueries {
  private readonly byId: Database.Statement;
  private readonly byTenant: Database.Statement;
  private readonly anyTenant: Database.Statement;
  private readonly byMessage: Database.Statement;
  private readonly toForward: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.byId = db.prepare('SELECT doc FROM triggers WHERE id = ? AND tenant_id = ? AND deleted = 0').pluck();
    this.byTenant = db.prepare('SELECT doc FROM triggers WHERE tenant_id = ? AND deleted = 0 ORDER BY created_at, id').pluck();
    this.anyTenant = db.prepare('SELECT doc FROM triggers WHERE id = ? AND deleted = 0').pluck();
    this.byMessage = db
      .prepare('SELECT run_id FROM trigger_runs WHERE trigger_id = ? AND webhook_message_id = ? ORDER BY position LIMIT 1')
      .pluck();
    this.toForward = db.prepare(
      `SELECT run_id AS runId, trigger_id AS triggerId, tenant_id AS tenantId, position FROM trigger_runs
       WHERE forward_as_event_type IS NOT NULL AND forwarded_message_id IS NULL ORDER BY position LIMIT ?`,
    );
  }

  /** Runs of forwarding triggers not forwarded yet, oldest first (every tenant: for the forwarding reactor). */
  awaitingForward(limit: number): RunAwaitingForward[] {
    return this.toForward.all(limit) as RunAwaitingForward[];
  }

  trigger(tenantId: string, id: string): Trigger | undefined {
    const doc = this.byId.get(id, tenantId) as string | undefined;
    return doc === undefined ? undefined : (JSON.parse(doc) as Trigger);
  }

  /** For the inbound endpoint, where the caller proves itself with the trigger's secret, not a tenant key. */
  forCall(id: string): Trigger | undefined {
    const doc = this.anyTenant.get(id) as string | undefined;
    return doc === undefined ? undefined : (JSON.parse(doc) as Trigger);
  }

  runOfMessage(triggerId: string, messageId: string): string | undefined {
    return this.byMessage.get(triggerId, messageId) as string | undefined;
  }

  /** Oldest first. */
  list(tenantId: string): Trigger[] {
    return (this.byTenant.all(tenantId) as string[]).map((doc) => JSON.parse(doc) as Trigger);
  }

  /** Newest first, keyset-paginated on the log position. */
  runs(tenantId: string, triggerId: string, first: number, after?: string): TriggerRunPage {
    const where = ['trigger_id = ?', 'tenant_id = ?'];
    const params: (string | number)[] = [triggerId, tenantId];
    const totalCount = this.db
      .prepare(`SELECT count(*) FROM trigger_runs WHERE ${where.join(' AND ')}`)
      .pluck()
      .get(...params) as number;
    if (after !== undefined) {
      where.push('position < ?');
      params.push(runCursor.decode(after));
    }
    const rows = this.db
      .prepare(`SELECT * FROM trigger_runs WHERE ${where.join(' AND ')} ORDER BY position DESC LIMIT ?`)
      .all(...params, first + 1) as RunRow[];
    const runs = rows.slice(0, first).map(toRun);
    return { runs, cursors: runs.map((run) => runCursor.encode(run.position)), hasNextPage: rows.length > first, totalCount };
  }
}
