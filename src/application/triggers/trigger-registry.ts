import { triggerDecider, type TriggerCommand } from '../../domain/trigger/trigger-commands.js';
import type { Trigger, TriggerState } from '../../domain/trigger/trigger-events.js';
import type { EventStore } from '../../eventstore/event-store.js';
import type { Clock } from '../../ports/clock.js';
import type { IdGenerator } from '../../ports/ids.js';
import type { SecretBox } from '../../secrets/secret-box.js';
import { generateSigningSecret } from '../../secrets/signing-secret.js';
import { triggerStream } from '../../streams/stream-names.js';
import { handleCommand } from '../command-handler.js';
import { NotFoundError } from '../errors.js';
import { eventMetadata, type RequestMeta } from '../request-meta.js';

/** What the use cases read: the trigger read model, and a way to wait until it includes a write. */
export interface TriggerReadModel {
  trigger(tenantId: string, id: string): Trigger | undefined;
  /** Any tenant's live trigger: for calls, which prove themselves with the trigger's secret. */
  forCall(id: string): Trigger | undefined;
  /** The run that recorded a signed call with this `webhook-id`, if any. */
  runOfMessage(triggerId: string, messageId: string): string | undefined;
  waitForPosition(position: number): Promise<void>;
}

export interface TriggerRegistryDependencies {
  store: EventStore;
  readModel: TriggerReadModel;
  secrets: SecretBox;
  clock: Clock;
  ids: IdGenerator;
}

export interface TriggerInput {
  name: string;
  forwardAsEventType?: string | null | undefined;
}

/** Fields left out stay as they are; `forwardAsEventType` null or blank stops forwarding. */
export interface TriggerChanges {
  name?: string | null | undefined;
  forwardAsEventType?: string | null | undefined;
}

export interface TriggerWithSecret {
  trigger: Trigger;
  /** The plain secret (whsec_…): returned only by the operations that make one. */
  secret: string;
}

/** Creating, changing, rotating and deleting a tenant's triggers; each answer reflects its own write. */
export class TriggerRegistry {
  constructor(private readonly deps: TriggerRegistryDependencies) {}

  async create(meta: RequestMeta, input: TriggerInput): Promise<TriggerWithSecret> {
    const { ids, secrets, clock } = this.deps;
    const triggerId = ids.newId();
    const secret = generateSigningSecret();
    const trigger = await this.run(meta, triggerId, {
      type: 'CreateTrigger',
      data: {
        triggerId,
        tenantId: meta.tenantId,
        name: input.name,
        forwardAsEventType: input.forwardAsEventType ?? null,
        secret: secrets.seal(secret),
        now: clock.now(),
      },
    });
    return { trigger, secret };
  }

  async update(meta: RequestMeta, triggerId: string, changes: TriggerChanges): Promise<Trigger> {
    return this.run(meta, triggerId, {
      type: 'UpdateTrigger',
      data: {
        // GraphQL's null for a name means "not given": a trigger always has a name.
        ...(changes.name != null && { name: changes.name }),
        ...(changes.forwardAsEventType !== undefined && { forwardAsEventType: changes.forwardAsEventType }),
        now: this.deps.clock.now(),
      },
    });
  }

  async rotateSecret(meta: RequestMeta, triggerId: string): Promise<TriggerWithSecret> {
    const secret = generateSigningSecret();
    const trigger = await this.run(meta, triggerId, {
      type: 'RotateTriggerSecret',
      data: { newSecret: this.deps.secrets.seal(secret), now: this.deps.clock.now() },
    });
    return { trigger, secret };
  }

  /** Answers with the trigger as it was just before: a deleted trigger is not readable any more. */
  async delete(meta: RequestMeta, triggerId: string): Promise<Trigger> {
    const before = this.get(meta.tenantId, triggerId);
    await this.append(meta, triggerId, { type: 'DeleteTrigger', data: { now: this.deps.clock.now() } });
    return before;
  }

  get(tenantId: string, triggerId: string): Trigger {
    const trigger = this.deps.readModel.trigger(tenantId, triggerId);
    if (!trigger) throw new NotFoundError('Trigger', triggerId);
    return trigger;
  }

  /** Runs a command and answers with the read model that includes its effect. */
  private async run(meta: RequestMeta, triggerId: string, command: TriggerCommand): Promise<Trigger> {
    await this.append(meta, triggerId, command);
    return this.get(meta.tenantId, triggerId);
  }

  /**
   * Folds the whole stream, calls included: fine for these rare operations;
   * calls themselves do not fold it (see TriggerCalls).
   */
  private async append(meta: RequestMeta, triggerId: string, command: TriggerCommand): Promise<void> {
    const handled = await handleCommand(this.deps.store, triggerStream(triggerId), triggerDecider, command, {
      metadata: eventMetadata(meta),
      authorize: (state: TriggerState) => {
        // Another tenant's trigger is reported exactly like a missing one.
        if (command.type !== 'CreateTrigger' && (!state.exists || state.tenantId !== meta.tenantId)) {
          throw new NotFoundError('Trigger', triggerId);
        }
      },
    });
    if (handled.appended) await this.deps.readModel.waitForPosition(handled.appended.position);
  }
}
