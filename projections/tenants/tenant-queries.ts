import type Database from 'better-sqlite3';

export interface TenantView {
  id: string;
  name: string;
  disabledEventTypes: string[];
  createdAt: string;
  updatedAt: string;
}

export interface ApiKeyView {
  keyId: string;
  tenantId: string;
  name: string;
  keyPrefix: string;
  issuedAt: string;
  revokedAt: string | null;
}

interface TenantRow {
  id: string;
  name: string;
  disabled_event_types: string;
  created_at: string;
  updated_at: string;
}

interface ApiKeyRow {
  key_id: string;
  tenant_id: string;
  name: string;
  key_prefix: string;
  issued_at: string;
  revoked_at: string | null;
}

const toTenant = (row: TenantRow): TenantView => ({
  id: row.id,
  name: row.name,
  disabledEventTypes: JSON.parse(row.disabled_event_types) as string[],
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toApiKey = (row: ApiKeyRow): ApiKeyView => ({
  keyId: row.key_id,
  tenantId: row.tenant_id,
  name: row.name,
  keyPrefix: row.key_prefix,
  issuedAt: row.issued_at,
  revokedAt: row.revoked_at,
});

/** Reads of the tenant read model. */
export class TenantQueries {
  private readonly byId: Database.Statement;
  private readonly keyByHash: Database.Statement;
  private readonly keysOf: Database.Statement;
  private readonly all: Database.Statement;

  constructor(db: Database.Database) {
    this.byId = db.prepare('SELECT * FROM tenants WHERE id = ?');
    this.keyByHash = db.prepare('SELECT * FROM api_keys WHERE key_hash = ?');
    this.keysOf = db.prepare('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY issued_at, key_id');
    this.all = db.prepare('SELECT * FROM tenants ORDER BY created_at, id');
  }

  tenant(id: string): TenantView | undefined {
    const row = this.byId.get(id) as TenantRow | undefined;
    return row && toTenant(row);
  }

  tenants(): TenantView[] {
    return (this.all.all() as TenantRow[]).map(toTenant);
  }

  /** The key with this hash, if it exists and is not revoked. */
  activeKeyByHash(hash: string): ApiKeyView | undefined {
    const row = this.keyByHash.get(hash) as ApiKeyRow | undefined;
    return row && row.revoked_at === null ? toApiKey(row) : undefined;
  }

  apiKeys(tenantId: string): ApiKeyView[] {
    return (this.keysOf.all(tenantId) as ApiKeyRow[]).map(toApiKey);
  }
}
