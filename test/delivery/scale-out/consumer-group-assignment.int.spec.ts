import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsumerGroupAssignment } from '../../../src/delivery/scale-out/consumer-group-assignment.js';
import { createKurrentDbCompetingConsumers } from '../../../src/eventstore/kurrentdb/kurrentdb-competing-consumers.js';
import type { CompetingConsumers } from '../../../src/eventstore/competing-consumers.js';
import { deliveryStream, messageStream } from '../../../src/streams/stream-names.js';
import type { DueDelivery } from '../../../projections/deliveries/due-deliveries.js';
import { newEvent, startDoubleWithStore, type DoubleWithStore } from '../../eventstore/kurrentdb-double-fixture.js';
import { eventually } from '../support/in-process-app.js';

const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
const DELIVERIES_PER_MESSAGE = 3;

interface Instance {
  name: string;
  assignment: ConsumerGroupAssignment;
  consumers: CompetingConsumers;
  /** When the assignment told the worker to look again. */
  changes: number[];
}

/** A due delivery as the worker's read model would show it. */
function dueRow(id: string, over: Partial<DueDelivery> = {}): DueDelivery {
  return {
    id,
    tenantId: 't',
    messageId: 'm',
    webhookId: 'w',
    state: { status: 'PENDING', attempts: 0, roundAttempts: 0, nextAttemptAt: null },
    version: -1,
    nextAttemptAt: new Date().toISOString(),
    attemptedBy: null,
    ...over,
  };
}

describe('delivery work shared through a consumer group (KurrentDB double)', () => {
  let fixture: DoubleWithStore;
  let instances: Instance[];
  let group: string;

  beforeEach(async () => {
    fixture = await startDoubleWithStore();
    instances = [];
    group = `hookgate-delivery-test-${randomUUID()}`;
  });
  afterEach(async () => {
    for (const instance of instances) {
      await instance.assignment.stop();
      await instance.consumers.close();
    }
    await fixture.stop();
  });

  async function startInstance(name: string, takeoverAfterMs: number): Promise<Instance> {
    const consumers = createKurrentDbCompetingConsumers(fixture.double.connectionString);
    const assignment = new ConsumerGroupAssignment({ consumers, instanceId: name, takeoverAfterMs, logger, group, bufferSize: 8 });
    const instance: Instance = { name, assignment, consumers, changes: [] };
    assignment.onChange(() => instance.changes.push(Date.now()));
    await assignment.start();
    instances.push(instance);
    return instance;
  }

  /** Publishes messages the way the publisher does (one MessagePublished per message); returns each message's delivery ids. */
  async function publish(count: number): Promise<string[][]> {
    const messages = Array.from({ length: count }, () => Array.from({ length: DELIVERIES_PER_MESSAGE }, () => randomUUID()));
    await Promise.all(
      messages.map((deliveryIds) => {
        const messageId = randomUUID();
        return fixture.store.appendToStream(messageStream(messageId), [
          newEvent('MessagePublished', {
            messageId,
            tenantId: 't',
            type: 'burst.event',
            payload: {},
            publishedAt: new Date().toISOString(),
            deliveries: deliveryIds.map((deliveryId) => ({ deliveryId, webhookId: randomUUID() })),
          }),
        ]);
      }),
    );
    return messages;
  }

  const owners = (row: DueDelivery) => instances.filter((instance) => instance.assignment.mayAttempt(row)).map((i) => i.name);

  it('hands each message of a burst to one instance: disjoint shares, every delivery owned, both busy', async () => {
    const [a, b] = [await startInstance('gw-a', 60_000), await startInstance('gw-b', 60_000)];
    const messages = await publish(200);
    const deliveryIds = messages.flat();

    await eventually(() => deliveryIds.every((id) => owners(dueRow(id)).length > 0), 20_000, 'every delivery handed out');
    const ownerOf = new Map(deliveryIds.map((id) => [id, owners(dueRow(id))]));
    expect([...ownerOf.values()].filter((names) => names.length !== 1)).toEqual([]);
    // A message's deliveries stay together.
    for (const ids of messages) expect(new Set(ids.map((id) => ownerOf.get(id)![0])).size).toBe(1);
    const shareOf = (name: string) => deliveryIds.filter((id) => ownerOf.get(id)![0] === name).length;
    expect(shareOf('gw-a') + shareOf('gw-b')).toBe(deliveryIds.length);
    expect(shareOf('gw-a')).toBeGreaterThan(0);
    expect(shareOf('gw-b')).toBeGreaterThan(0);
    expect(a.changes.length).toBeGreaterThan(0);
    expect(b.changes.length).toBeGreaterThan(0);

    // Once an attempt is recorded, the retry belongs to whoever recorded it, whoever was handed the message.
    const [first] = deliveryIds as [string];
    expect(owners(dueRow(first, { version: 0, attemptedBy: 'gw-b' }))).toEqual(['gw-b']);
    expect(owners(dueRow(first, { version: 0, attemptedBy: 'gw-a' }))).toEqual(['gw-a']);

    // A redelivery request hands its one delivery to whoever receives it, at the request's revision.
    await fixture.store.appendToStream(deliveryStream(first), [
      newEvent('DeliveryAttempted', { deliveryId: first }),
      newEvent('DeliveryFailed', { deliveryId: first }),
      newEvent('DeliveryRedeliveryRequested', { deliveryId: first, requestedAt: new Date().toISOString() }),
    ]);
    const redelivered = dueRow(first, { version: 2, attemptedBy: null });
    await eventually(() => owners(redelivered).length > 0, 10_000, 'the redelivery handed out');
    expect(owners(redelivered)).toHaveLength(1);
  });

  it('when an instance stops, new work goes to the others, and its due work is taken over once overdue', async () => {
    const takeoverAfterMs = 1_500;
    const a = await startInstance('gw-a', takeoverAfterMs);
    const b = await startInstance('gw-b', takeoverAfterMs);
    const deliveryIds = (await publish(40)).flat();
    await eventually(() => deliveryIds.every((id) => owners(dueRow(id)).length > 0), 20_000, 'every delivery handed out');
    const publishedAt = Date.now();
    const rowOf = (id: string) => dueRow(id, { nextAttemptAt: new Date(publishedAt).toISOString() });
    const ofA = deliveryIds.filter((id) => a.assignment.mayAttempt(rowOf(id)));
    expect(ofA.length).toBeGreaterThan(0);
    // A retry a scheduled for now, which a would have made.
    const retryOfA = dueRow(randomUUID(), { version: 0, attemptedBy: 'gw-a', nextAttemptAt: new Date(publishedAt).toISOString() });

    await a.assignment.stop();
    await a.consumers.close();
    instances = instances.filter((instance) => instance !== a);

    // Nobody attempts a's work within the takeover time, then b does. Like the worker, b looks at the rows again
    // each time the assignment says so, and is told to when it may take them over.
    const pending = [...ofA.map(rowOf), retryOfA];
    let takenOverAt: number | undefined;
    b.assignment.onChange(() => {
      if (takenOverAt === undefined && pending.every((row) => b.assignment.mayAttempt(row))) takenOverAt = Date.now();
    });
    for (const row of pending) expect(b.assignment.mayAttempt(row)).toBe(false);
    const takenOver = await eventually(() => takenOverAt, takeoverAfterMs + 5_000, 'the takeover');
    expect(takenOver).toBeGreaterThanOrEqual(publishedAt + takeoverAfterMs);
    expect(takenOver - (publishedAt + takeoverAfterMs)).toBeLessThan(1_000);

    // What is published after a left goes to b at once.
    const later = (await publish(10)).flat();
    await eventually(() => later.every((id) => b.assignment.mayAttempt(dueRow(id))), 10_000, 'new work handed to b');
  });
});
