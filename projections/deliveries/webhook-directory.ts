import type Database from 'better-sqlite3';
import type { Webhook } from '../../src/domain/webhook/webhook-events.js';
import { CommitScopedCache } from '../commit-scoped-cache.js';

/**
 * Webhooks as routing and the worker read them, from the webhook projection's
 * table: every publish and every attempt looks webhooks up, so documents are
 * parsed once per version, and answers are served from memory until the
 * webhook projection commits again (`forget`).
 */
export class WebhookDirectory {
  private readonly validOfTenant: Database.Statement;
  private readonly versionOf: Database.Statement;
  private readonly docOf: Database.Statement;
  private readonly newWebhooks: Database.Statement;
  private readonly parsed = new Map<string, Webhook>();
  private readonly validOf = new CommitScopedCache<string, Webhook[]>();
  private readonly byId = new CommitScopedCache<string, { tenantId: string; webhook: Webhook } | undefined>();

  constructor(db: Database.Database) {
    this.validOfTenant = db.prepare(`SELECT id, version FROM webhooks WHERE tenant_id = ? AND state = 'VALID'`);
    this.versionOf = db.prepare('SELECT tenant_id, version FROM webhooks WHERE id = ?');
    this.docOf = db.prepare('SELECT doc FROM webhooks WHERE id = ?').pluck();
    this.newWebhooks = db.prepare(`SELECT id, tenant_id, version FROM webhooks WHERE state = 'NEW'`);
  }

  /** The webhook projection committed: what was read before may have changed. */
  forget(): void {
    this.validOf.clear();
    this.byId.clear();
  }

  /** The tenant's VALID webhooks: the only ones routing may choose. The list is shared: do not change it. */
  valid(tenantId: string): Webhook[] {
    return this.validOf.get(tenantId, () => {
      const rows = this.validOfTenant.all(tenantId) as { id: string; version: number }[];
      return rows.map((row) => this.document(row.id, row.version)).filter((w): w is Webhook => w !== undefined);
    });
  }

  /** One of the tenant's webhooks, in any state. */
  get(tenantId: string, id: string): Webhook | undefined {
    const found = this.byId.get(id, () => {
      const row = this.versionOf.get(id) as { tenant_id: string; version: number } | undefined;
      const webhook = row && this.document(id, row.version);
      return row && webhook && { tenantId: row.tenant_id, webhook };
    });
    return found?.tenantId === tenantId ? found.webhook : undefined;
  }

  /** Webhooks waiting for their first test after a change, over all tenants. */
  awaitingTest(): { id: string; tenantId: string; version: number }[] {
    return (this.newWebhooks.all() as { id: string; tenant_id: string; version: number }[]).map((row) => ({
      id: row.id,
      tenantId: row.tenant_id,
      version: row.version,
    }));
  }

  private document(id: string, version: number): Webhook | undefined {
    const cached = this.parsed.get(id);
    if (cached && cached.version === version) return cached;
    const doc = this.docOf.get(id) as string | undefined;
    if (doc === undefined) return undefined;
    const webhook = JSON.parse(doc) as Webhook;
    this.parsed.set(id, webhook);
    return webhook;
  }
}
