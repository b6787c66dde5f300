import { tenantDecider, type TenantCommand } from '../../domain/tenant/tenant-commands.js';
import type { TenantState } from '../../domain/tenant/tenant-events.js';
import type { EventStore } from '../../eventstore/event-store.js';
import type { ApiKeyView, TenantView } from '../../../projections/tenants/tenant-queries.js';
import { generateApiKey } from '../../access/api-keys.js';
import type { Clock } from '../../ports/clock.js';
import type { IdGenerator } from '../../ports/ids.js';
import { tenantStream } from '../../streams/stream-names.js';
import { handleCommand } from '../command-handler.js';
import { NotFoundError } from '../errors.js';
import { eventMetadata, type RequestMeta } from '../request-meta.js';

export interface TenantReadModel {
  tenant(id: string): TenantView | undefined;
  apiKeys(tenantId: string): ApiKeyView[];
  waitForPosition(position: number): Promise<void>;
}

export interface TenantAdminDependencies {
  store: EventStore;
  readModel: TenantReadModel;
  clock: Clock;
  ids: IdGenerator;
}

export interface IssuedApiKey {
  key: ApiKeyView;
  /** The key itself: shown once, stored only as a hash. */
  plaintext: string;
}

/** Tenants, their API keys and their settings. Who may call what is decided by the API layer's auth scopes. */
export class TenantAdmin {
  constructor(private readonly deps: TenantAdminDependencies) {}

  async createTenant(actor: string, correlationId: string, name: string, tenantId?: string): Promise<{ tenant: TenantView; apiKey: IssuedApiKey }> {
    const id = tenantId ?? this.deps.ids.newId();
    const meta: RequestMeta = { tenantId: id, actor, correlationId };
    await this.run(meta, { type: 'CreateTenant', data: { tenantId: id, name, now: this.deps.clock.now() } }, false);
    const apiKey = await this.issueApiKey(meta, 'default');
    return { tenant: this.tenant(id), apiKey };
  }

  async issueApiKey(meta: RequestMeta, name: string | null): Promise<IssuedApiKey> {
    const key = generateApiKey();
    const keyId = this.deps.ids.newId();
    await this.run(meta, {
      type: 'IssueApiKey',
      data: { keyId, name: name ?? 'unnamed', keyHash: key.hash, keyPrefix: key.displayPrefix, now: this.deps.clock.now() },
    });
    const issued = this.deps.readModel.apiKeys(meta.tenantId).find((k) => k.keyId === keyId);
    if (!issued) throw new NotFoundError('API key', keyId);
    return { key: issued, plaintext: key.plaintext };
  }

  async revokeApiKey(meta: RequestMeta, keyId: string): Promise<ApiKeyView> {
    await this.run(meta, { type: 'RevokeApiKey', data: { keyId, now: this.deps.clock.now() } });
    const key = this.deps.readModel.apiKeys(meta.tenantId).find((k) => k.keyId === keyId);
    if (!key) throw new NotFoundError('API key', keyId);
    return key;
  }

  async updateSettings(meta: RequestMeta, disabledEventTypes: readonly string[]): Promise<TenantView> {
    await this.run(meta, { type: 'UpdateTenantSettings', data: { disabledEventTypes, now: this.deps.clock.now() } });
    return this.tenant(meta.tenantId);
  }

  tenant(id: string): TenantView {
    const tenant = this.deps.readModel.tenant(id);
    if (!tenant) throw new NotFoundError('Tenant', id);
    return tenant;
  }

  private async run(meta: RequestMeta, command: TenantCommand, mustExist = true): Promise<void> {
    const handled = await handleCommand(this.deps.store, tenantStream(meta.tenantId), tenantDecider, command, {
      metadata: eventMetadata(meta),
      authorize: (state: TenantState) => {
        if (mustExist && !state.exists) throw new NotFoundError('Tenant', meta.tenantId);
      },
    });
    if (handled.appended) await this.deps.readModel.waitForPosition(handled.appended.position);
  }
}
