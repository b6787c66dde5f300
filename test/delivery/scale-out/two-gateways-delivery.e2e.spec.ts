import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventStore, RecordedEvent } from '../../../src/eventstore/event-store.js';
import { createKurrentDbEventStore } from '../../../src/eventstore/kurrentdb/kurrentdb-event-store.js';
import { startKurrentDbDouble, type KurrentDbDouble } from '../../kurrentdb-double/kurrentdb-double.js';
import { graphqlClient } from '../../support/graphql-client.js';
import { replies } from '../../support/receivers/receiver-replies.js';
import { startReceiver, type ReceiverBehaviour, type WebhookReceiver } from '../../support/receivers/webhook-receiver.js';
import { startServerProcess, type ServerProcess } from '../../support/server-process.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const EVENTS = 200;
const PUBLISHERS = 16;
const PUBLISH = `mutation($input: PublishEventInput!) { publishEvent(input: $input) { message { id } } }`;

type Attempt = RecordedEvent & { data: { deliveryId: string; messageId: string; attemptedAt: string; nextAttemptAt: string | null; statusCode: number | null } };

/**
 * Two real gateway processes, each with its own data dir and read model, on
 * one KurrentDB (the in-process double), delivering to one real receiver.
 */
describe('two gateway instances share the delivery work through a KurrentDB consumer group (test double)', () => {
  let double: KurrentDbDouble | undefined;
  let reader: EventStore | undefined;
  let gateways: ServerProcess[] = [];
  let receiver: WebhookReceiver | undefined;
  const dirs: string[] = [];

  afterEach(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop()));
    gateways = [];
    await receiver?.close();
    await reader?.close();
    await double?.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  async function startGateways(env: Record<string, string>): Promise<[ServerProcess, ServerProcess]> {
    double = await startKurrentDbDouble();
    reader = createKurrentDbEventStore(double.connectionString);
    const shared = {
      KURRENTDB_CONNECTION_STRING: double.connectionString,
      HOOKGATE_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      HOOKGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      HOOKGATE_ALLOW_HTTP: 'true',
      HOOKGATE_ALLOW_PRIVATE_TARGETS: 'true',
      NODE_ENV: 'production',
      ...env,
    };
    gateways = await Promise.all(
      ['gw-0', 'gw-1'].map((instanceId) => {
        const dir = mkdtempSync(join(tmpdir(), `hookgate-${instanceId}-`));
        dirs.push(dir);
        return startServerProcess({ ...shared, HOOKGATE_DATA_DIR: dir, HOOKGATE_INSTANCE_ID: instanceId });
      }),
    );
    return gateways as [ServerProcess, ServerProcess];
  }

  /** A tenant with one webhook on the receiver, which both gateways route `burst.*` events to; returns the tenant's API key. */
  async function webhookOnReceiver(behaviour: ReceiverBehaviour): Promise<string> {
    const [one, two] = gateways as [ServerProcess, ServerProcess];
    receiver = await startReceiver({ behaviour });
    const tenant = await graphqlClient(one.url, ADMIN_TOKEN)(`mutation { createTenant(input: { name: "shared" }) { apiKey } }`);
    const apiKey = tenant.data!.createTenant.apiKey as string;
    const created = await graphqlClient(one.url, apiKey)(
      `mutation($url: String!) { createWebhook(input: { url: $url, filters: { eventTypes: ["burst.*"] } }) { signingSecret webhook { id } } }`,
      { url: receiver.url },
    );
    expect(created.errors).toBeUndefined();
    receiver.setSecrets([created.data!.createWebhook.signingSecret]);
    const webhookId = created.data!.createWebhook.webhook.id as string;
    // Once it is tested VALID in both read models, a publish through either gateway is routed to it.
    for (const gateway of [one, two]) {
      await until(async () => {
        const resolved = await graphqlClient(gateway.url, apiKey)(`query { resolveWebhooks(eventType: "burst.event") { id } }`);
        return resolved.data?.resolveWebhooks?.some((webhook: { id: string }) => webhook.id === webhookId) === true;
      }, 30_000, 'the webhook routed on both gateways');
    }
    return apiKey;
  }

  /** Publishes EVENTS events through the gateways `via(n)` picks; resolves with the ids of those acknowledged. */
  async function publishBurst(apiKey: string, via: (n: number) => ServerProcess, afterEach?: (acknowledged: number) => void) {
    const acknowledged = new Set<string>();
    let next = 0;
    const publisher = async () => {
      while (next < EVENTS) {
        const n = next++;
        try {
          const result = await graphqlClient(via(n).url, apiKey)(PUBLISH, { input: { type: 'burst.event', payload: { n } } });
          const id = result.data?.publishEvent?.message?.id as string | undefined;
          if (id) acknowledged.add(id);
        } catch {
          // The connection died with a gateway: not acknowledged, so not promised.
        }
        afterEach?.(acknowledged.size);
      }
    };
    await Promise.all(Array.from({ length: PUBLISHERS }, publisher));
    return acknowledged;
  }

  /** Verified requests per webhook-id (the message id) for the given messages. */
  function requestsPerMessage(ids: Set<string>): Map<string, number> {
    const counts = new Map<string, number>();
    for (const request of receiver!.requests) {
      if (!request.verified || request.webhookId === null || !ids.has(request.webhookId)) continue;
      counts.set(request.webhookId, (counts.get(request.webhookId) ?? 0) + 1);
    }
    return counts;
  }

  async function recordedAttempts(): Promise<Attempt[]> {
    const attempts: Attempt[] = [];
    for await (const event of reader!.readAll({ filter: { eventTypePrefixes: ['DeliveryAttempted'] } })) attempts.push(event as Attempt);
    return attempts;
  }

  it('in normal operation each event is delivered once, and both instances do the work', async () => {
    const [one, two] = await startGateways({ HOOKGATE_RETRY_SCHEDULE: '0,200ms,500ms,1s' });
    const apiKey = await webhookOnReceiver(replies.ok());

    const acknowledged = await publishBurst(apiKey, (n) => (n % 2 === 0 ? one : two));
    expect(acknowledged.size).toBe(EVENTS);
    await until(() => requestsPerMessage(acknowledged).size === EVENTS, 60_000, 'every event received');
    // Time for a duplicate to show up, had anything been sent twice.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const counts = requestsPerMessage(acknowledged);
    expect([...counts.values()].filter((count) => count !== 1)).toEqual([]);
    const attempts = (await recordedAttempts()).filter((attempt) => acknowledged.has(attempt.data.messageId));
    expect(attempts).toHaveLength(EVENTS);
    const byInstance = countBy(attempts.map((attempt) => String(attempt.metadata.instanceId)));
    expect(Object.keys(byInstance).sort()).toEqual(['gw-0', 'gw-1']);
    console.info(`two gateways: ${EVENTS} events, each received once; attempts by instance ${JSON.stringify(byInstance)}`);
  });

  it('after one instance is killed mid-burst, the other delivers its work once the takeover time has passed', async () => {
    const takeoverAfterMs = 2_000;
    const [doomed, survivor] = await startGateways({
      HOOKGATE_RETRY_SCHEDULE: '0,1s,1s,1s,1s,1s,1s,1s',
      HOOKGATE_DELIVERY_TAKEOVER_AFTER: `${takeoverAfterMs}ms`,
    });
    // The first request of each event fails, so that each instance holds retries of its own when one dies.
    const seen = new Set<string>();
    const apiKey = await webhookOnReceiver((request) => {
      if ((JSON.parse(request.body) as { type: string }).type !== 'burst.event' || request.webhookId === null) return replies.ok();
      const first = !seen.has(request.webhookId);
      seen.add(request.webhookId);
      return first ? replies.status(500) : replies.ok();
    });

    let killed: Promise<unknown> | undefined;
    const acknowledged = await publishBurst(
      apiKey,
      () => survivor,
      (count) => {
        if (count >= EVENTS / 2 && !killed) killed = doomed.stop('SIGKILL');
      },
    );
    await killed;
    expect(acknowledged.size).toBe(EVENTS);

    // Delivered: a second request (the first got a 500) for every event.
    const delivered = () => [...requestsPerMessage(acknowledged).values()].filter((count) => count >= 2).length;
    await until(() => delivered() === EVENTS, 90_000, 'every event delivered');

    // Retries the killed instance had scheduled (after its last recorded attempt) were made by the survivor, each
    // once it was overdue by the takeover time: until then it was the killed instance's.
    const byDelivery = new Map<string, Attempt[]>();
    for (const attempt of await recordedAttempts()) {
      byDelivery.set(attempt.data.deliveryId, [...(byDelivery.get(attempt.data.deliveryId) ?? []), attempt]);
    }
    const orphaned = [...byDelivery.values()].flatMap((history) => {
      const last = history.findLastIndex((attempt) => attempt.metadata.instanceId === 'gw-0');
      const left = history[last];
      if (left === undefined || left.data.nextAttemptAt === null) return [];
      const next = history[last + 1];
      return [{ due: Date.parse(left.data.nextAttemptAt), at: next && Date.parse(next.data.attemptedAt), by: next?.metadata.instanceId }];
    });
    expect(orphaned.length).toBeGreaterThan(0);
    expect(orphaned.filter((retry) => retry.by !== 'gw-1' || retry.at! < retry.due + takeoverAfterMs)).toEqual([]);
    const waited = orphaned.map((retry) => retry.at! - retry.due);
    console.info(
      `kill test: ${EVENTS} events delivered; ${orphaned.length} retries left scheduled by the killed instance, made by the ` +
        `survivor ${Math.min(...waited)}-${Math.max(...waited)} ms after they were due (takeover time ${takeoverAfterMs} ms)`,
    );
  });
});

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
