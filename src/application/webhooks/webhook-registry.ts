import { decideWebhook, webhookDecider, type WebhookCommand } from '../../domain/webhook/webhook-commands.js';
import { initialWebhookState, type Webhook, type WebhookState, type WebhookStatus } from '../../domain/webhook/webhook-events.js';
import type { EventStore } from '../../eventstore/event-store.js';
import { WrongExpectedVersion } from '../../eventstore/errors.js';
import type { Clock } from '../../ports/clock.js';
import type { IdGenerator } from '../../ports/ids.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import { generateSigningSecret } from '../../secrets/signing-secret.js';
import { webhookScopeStream, webhookStream } from '../../streams/stream-names.js';
import { validateUrl } from '../../domain/webhook/webhook-rules.js';
import { handleCommand } from '../command-handler.js';
import { NotFoundError } from '../errors.js';
import { eventMetadata, type RequestMeta } from '../request-meta.js';
import { headersFromList, sealAuth, type WebhookConfigInput } from './webhook-input.js';

/**
 * Refuses a url deliveries may not reach (loopback, private, metadata…),
 * throwing a DomainError that names `field`. A port, so that the registry
 * needs no DNS in unit tests.
 */
export interface TargetGuard {
  assertSafe(url: string, field: 'url' | 'auth.tokenUrl'): Promise<void>;
}

/** What the registry needs to see its own writes in the read model. */
export interface WebhookReadModel {
  webhook(tenantId: string, id: string): Webhook | undefined;
  waitForPosition(position: number): Promise<void>;
}

export interface WebhookRegistryDependencies {
  store: EventStore;
  readModel: WebhookReadModel;
  secrets: SecretBox;
  clock: Clock;
  ids: IdGenerator;
  allowHttp: boolean;
  /** Checks new urls and token urls at registration; none means every reachable url is accepted. */
  targetGuard?: TargetGuard;
}

export interface WebhookWithSecret {
  webhook: Webhook;
  /** The plain signing secret, returned only by the operations that make one. */
  signingSecret: string;
}

const SCOPE_CLAIMED = 'WebhookScopeClaimed';
const DEFAULT_ROTATION_OVERLAP_SECONDS = 24 * 60 * 60;

/** The use cases that change webhooks: each maps input to a domain command and returns the resulting read model. */
export class WebhookRegistry {
  constructor(private readonly deps: WebhookRegistryDependencies) {}

  async create(meta: RequestMeta, input: WebhookConfigInput): Promise<WebhookWithSecret> {
    await this.checkTargets(input);
    return this.createWithId(meta, this.deps.ids.newId(), input, 'CREATE');
  }

  /**
   * Creates or updates the one upsert-managed webhook of a scope: the tenant
   * level, or one product id. The scope is claimed in its own stream first,
   * so two concurrent upserts of one scope cannot both create a webhook.
   */
  async upsert(
    meta: RequestMeta,
    input: WebhookConfigInput,
  ): Promise<{ webhook: Webhook; created: boolean; signingSecret: string | null }> {
    await this.checkTargets(input);
    const productId = input.filters?.productId?.trim() || null;
    const scopeStream = webhookScopeStream(meta.tenantId, productId);
    for (;;) {
      const claimed = await this.claimedWebhook(scopeStream);
      if (claimed) {
        const exists = (await this.deps.store.readStream(webhookStream(claimed), { maxCount: 1 })).streamExists;
        if (exists) return { webhook: await this.update(meta, claimed, input), created: false, signingSecret: null };
        // A claim whose creation never happened (a crash in between): finish it.
        const made = await this.createWithId(meta, claimed, input, 'UPSERT');
        return { ...made, created: true };
      }
      const webhookId = this.deps.ids.newId();
      const signingSecret = generateSigningSecret();
      const command = this.createCommand(meta, webhookId, input, signingSecret, 'UPSERT');
      decideWebhook(command, initialWebhookState()); // refuses bad input before the scope is claimed
      try {
        await this.deps.store.appendToStream(
          scopeStream,
          [{ id: this.deps.ids.newId(), type: SCOPE_CLAIMED, data: { webhookId }, metadata: eventMetadata(meta) }],
          { expectedRevision: 'no_stream' },
        );
      } catch (error) {
        if (error instanceof WrongExpectedVersion) continue; // another upsert claimed it first: update that one
        throw error;
      }
      const webhook = await this.run(meta, webhookId, command);
      return { webhook, created: true, signingSecret };
    }
  }

  async update(
    meta: RequestMeta,
    webhookId: string,
    input: WebhookConfigInput & { state?: WebhookStatus | null },
    expectedVersion?: number,
  ): Promise<Webhook> {
    await this.checkTargets(input);
    const { secrets, clock, allowHttp } = this.deps;
    return this.run(
      meta,
      webhookId,
      {
        type: 'UpdateWebhook',
        data: {
          ...(input.url != null && { url: input.url }),
          ...(input.description !== undefined && { description: input.description }),
          ...(input.filters != null && { filters: input.filters }),
          ...(input.auth != null && { auth: sealAuth(input.auth, secrets, allowHttp) }),
          ...(input.headers !== undefined && { headers: headersFromList(input.headers) }),
          ...(input.state != null && { state: input.state }),
          now: clock.now(),
          allowHttp,
        },
      },
      expectedVersion,
    );
  }

  async deactivate(meta: RequestMeta, webhookId: string, reason: string | null, expectedVersion?: number): Promise<Webhook> {
    const command: WebhookCommand = { type: 'DeactivateWebhook', data: { reason, source: 'USER', now: this.deps.clock.now() } };
    return this.run(meta, webhookId, command, expectedVersion);
  }

  async reactivate(meta: RequestMeta, webhookId: string, expectedVersion?: number): Promise<Webhook> {
    return this.run(meta, webhookId, { type: 'ReactivateWebhook', data: { now: this.deps.clock.now() } }, expectedVersion);
  }

  async rotateSecret(
    meta: RequestMeta,
    webhookId: string,
    overlapSeconds: number | null,
    expectedVersion?: number,
  ): Promise<WebhookWithSecret> {
    const signingSecret = generateSigningSecret();
    const webhook = await this.run(
      meta,
      webhookId,
      {
        type: 'RotateWebhookSecret',
        data: {
          newSecret: this.deps.secrets.seal(signingSecret),
          overlapSeconds: overlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS,
          now: this.deps.clock.now(),
        },
      },
      expectedVersion,
    );
    return { webhook, signingSecret };
  }

  /** The plain signing secret of one of the tenant's webhooks. */
  signingSecretOf(webhook: Webhook): string {
    return this.deps.secrets.open(webhook.signingSecret);
  }

  private async createWithId(
    meta: RequestMeta,
    webhookId: string,
    input: WebhookConfigInput,
    via: 'CREATE' | 'UPSERT',
  ): Promise<WebhookWithSecret> {
    const signingSecret = generateSigningSecret();
    const webhook = await this.run(meta, webhookId, this.createCommand(meta, webhookId, input, signingSecret, via));
    return { webhook, signingSecret };
  }

  private createCommand(
    meta: RequestMeta,
    webhookId: string,
    input: WebhookConfigInput,
    signingSecret: string,
    via: 'CREATE' | 'UPSERT',
  ): WebhookCommand {
    const { secrets, clock, allowHttp } = this.deps;
    return {
      type: 'CreateWebhook',
      data: {
        webhookId,
        tenantId: meta.tenantId,
        url: input.url ?? '',
        description: input.description ?? null,
        filters: input.filters ?? {},
        auth: sealAuth(input.auth ?? { type: 'NONE' }, secrets, allowHttp),
        headers: headersFromList(input.headers) ?? null,
        signingSecret: secrets.seal(signingSecret),
        via,
        now: clock.now(),
        allowHttp,
      },
    };
  }

  /**
   * A url or token url given in the input must be one deliveries may reach.
   * Malformed ones are left to the domain, which names what is wrong with them.
   */
  private async checkTargets(input: WebhookConfigInput): Promise<void> {
    const guard = this.deps.targetGuard;
    if (!guard) return;
    const { allowHttp } = this.deps;
    if (input.url != null) await guard.assertSafe(validateUrl(input.url, { allowHttp }), 'url');
    const tokenUrl = input.auth?.type === 'OAUTH2_CLIENT_CREDENTIALS' ? input.auth.tokenUrl : undefined;
    if (typeof tokenUrl === 'string') {
      await guard.assertSafe(validateUrl(tokenUrl, { allowHttp, field: 'auth.tokenUrl' }), 'auth.tokenUrl');
    }
  }

  private async claimedWebhook(scopeStream: string): Promise<string | undefined> {
    const read = await this.deps.store.readStream(scopeStream, { maxCount: 1 });
    const claim = read.events[0];
    return claim ? (claim.data as { webhookId: string }).webhookId : undefined;
  }

  /** Runs a command on one of the tenant's webhooks and answers with the read model that includes its effect. */
  private async run(meta: RequestMeta, webhookId: string, command: WebhookCommand, expectedVersion?: number): Promise<Webhook> {
    const handled = await handleCommand(this.deps.store, webhookStream(webhookId), webhookDecider, command, {
      expectedVersion,
      metadata: eventMetadata(meta),
      // Creation names a new stream (a fresh id, or a scope's claimed one that was checked): no read needed.
      expectNoStream: command.type === 'CreateWebhook',
      authorize: (state: WebhookState) => {
        // Another tenant's webhook is reported exactly like a missing one.
        if (command.type !== 'CreateWebhook' && (!state.exists || state.tenantId !== meta.tenantId)) {
          throw new NotFoundError('Webhook', webhookId);
        }
      },
    });
    if (handled.appended) await this.deps.readModel.waitForPosition(handled.appended.position);
    const webhook = this.deps.readModel.webhook(meta.tenantId, webhookId);
    if (!webhook) throw new NotFoundError('Webhook', webhookId);
    return webhook;
  }
}
