import { randomUUID } from 'node:crypto';
import {
  KurrentDBClient,
  PersistentSubscriptionDoesNotExistError,
  PersistentSubscriptionExistsError,
  PersistentSubscriptionMaximumSubscribersReachedError,
  START,
  jsonEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  streamNameFilter,
  type PersistentSubscriptionToAll,
  type PersistentSubscriptionToAllResolvedEvent,
  type PersistentSubscriptionToAllSettings,
} from '@kurrent/kurrentdb-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startKurrentDbDouble, type KurrentDbDouble } from './kurrentdb-double.js';
import { checkpointStreamName } from './persistent-group.js';

/** The double's persistent subscriptions checked with the real client, on the paths the adapter's tests do not take. */
describe('KurrentDB double: persistent subscriptions to $all', () => {
  let double: KurrentDbDouble;
  const clients: KurrentDBClient[] = [];
  const subscriptions: PersistentSubscriptionToAll[] = [];

  beforeAll(async () => {
    double = await startKurrentDbDouble({ persistentSubscriptionTickMs: 20 });
  });
  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((subscription) => subscription.unsubscribe().catch(() => undefined)));
    await Promise.all(clients.splice(0).map((client) => client.dispose()));
  });
  afterAll(() => double.stop());

  function connect(name = 'consumer'): KurrentDBClient {
    const client = KurrentDBClient.connectionString(`${double.connectionString}&connectionName=${name}`);
    clients.push(client);
    return client;
  }

  /** A fresh stream with `count` events, and a group on $all filtered to it. */
  async function streamWithGroup(
    client: KurrentDBClient,
    count: number,
    settings: Partial<PersistentSubscriptionToAllSettings> = {},
  ): Promise<{ stream: string; group: string; positions: bigint[] }> {
    const stream = `ps-${randomUUID()}`;
    const group = `group-${randomUUID()}`;
    await client.appendToStream(stream, Array.from({ length: count }, (_, i) => jsonEvent({ type: `E${i}`, data: { i } })));
    await client.createPersistentSubscriptionToAll(
      group,
      persistentSubscriptionToAllSettingsFromDefaults({ startFrom: START, ...settings }),
      { filter: streamNameFilter({ prefixes: [stream] }) },
    );
    const positions: bigint[] = [];
    for await (const resolved of client.readStream(stream)) positions.push(resolved.event!.position!.commit);
    return { stream, group, positions };
  }

  function subscribe(client: KurrentDBClient, group: string, bufferSize = 10) {
    const subscription = client.subscribeToPersistentSubscriptionToAll(group, { bufferSize });
    subscriptions.push(subscription);
    return { subscription, iterator: subscription[Symbol.asyncIterator]() };
  }

  async function next(iterator: AsyncIterator<PersistentSubscriptionToAllResolvedEvent>) {
    const result = await iterator.next();
    if (result.done) throw new Error('persistent subscription ended');
    return result.value;
  }

  /** Whether `pending` settles within `ms`; it stays usable, so the event it waits for is not lost. */
  async function arrivesWithin(pending: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
    try {
      return await Promise.race([pending.then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  it('creates a group once, and refuses reads of a group that does not exist, with the errors KurrentDB sends', async () => {
    const client = connect();
    const { group } = await streamWithGroup(client, 1);
    await expect(
      client.createPersistentSubscriptionToAll(group, persistentSubscriptionToAllSettingsFromDefaults()),
    ).rejects.toBeInstanceOf(PersistentSubscriptionExistsError);

    const { subscription } = subscribe(client, `missing-${randomUUID()}`);
    const error = await new Promise((resolve) => subscription.once('error', resolve));
    expect(error).toBeInstanceOf(PersistentSubscriptionDoesNotExistError);
    expect(error).toMatchObject({ streamName: '$all' });
  });

  it('deals round robin among consumers with room, each holding at most its buffer size, and names them', async () => {
    const { group, positions } = await streamWithGroup(connect(), 4);
    const first = subscribe(connect('instance-a'), group, 1);
    const second = subscribe(connect('instance-b'), group, 1);
    const a = await next(first.iterator);
    const b = await next(second.iterator);
    expect([a.event!.position!.commit, b.event!.position!.commit].sort()).toEqual(positions.slice(0, 2));
    const third = next(first.iterator);
    expect(await arrivesWithin(third, 200)).toBe(false);
    expect(double.persistentSubscriptions.info(group)!.consumers).toEqual([
      { name: 'instance-a', inFlight: 1 },
      { name: 'instance-b', inFlight: 1 },
    ]);

    await first.subscription.ack(a);
    expect((await third).event!.position!.commit).toBe(positions[2]);
  });

  it('hands a message out again when its time-out passes, with the retry count raised, then parks it after maxRetryCount', async () => {
    const { group, positions } = await streamWithGroup(connect(), 1, { messageTimeout: 100, maxRetryCount: 2 });
    const { iterator } = subscribe(connect(), group);
    const received = [await next(iterator), await next(iterator), await next(iterator)];
    expect(received.map((resolved) => [resolved.event!.position!.commit, resolved.retryCount])).toEqual([
      [positions[0], 0],
      [positions[0], 1],
      [positions[0], 2],
    ]);
    await until(() => double.persistentSubscriptions.info(group)!.parked.length === 1);
    expect(double.persistentSubscriptions.info(group)!.parked[0]!.reason).toBe('Reached retry count of 2');
    expect(await arrivesWithin(next(iterator), 300)).toBe(false);
  });

  it('parks a message nacked with park, and forgets one nacked with skip', async () => {
    const { group } = await streamWithGroup(connect(), 2, { messageTimeout: 100 });
    const { subscription, iterator } = subscribe(connect(), group);
    const parked = await next(iterator);
    const skipped = await next(iterator);
    await subscription.nack('park', 'poison', parked);
    await subscription.nack('skip', 'not for us', skipped);
    expect(await arrivesWithin(next(iterator), 300)).toBe(false);
    const info = double.persistentSubscriptions.info(group)!;
    expect(info.parked.map((message) => message.event.id)).toEqual([parked.event!.id]);
    expect(info.parked[0]!.reason).toContain('poison');
    expect(info.inFlight).toBe(0);
  });

  it('refuses consumers beyond maxSubscriberCount', async () => {
    const { group } = await streamWithGroup(connect(), 1, { maxSubscriberCount: 1 });
    const { iterator } = subscribe(connect(), group);
    await next(iterator);
    const { subscription } = subscribe(connect(), group);
    const error = await new Promise((resolve) => subscription.once('error', resolve));
    expect(error).toBeInstanceOf(PersistentSubscriptionMaximumSubscribersReachedError);
  });

  it('writes checkpoints into the log, and after a restart starts after the last one, forgetting what was in flight', async () => {
    const { group, positions } = await streamWithGroup(connect(), 4, {
      checkPointAfter: 50,
      checkPointLowerBound: 1,
      checkPointUpperBound: 100,
    });
    const { subscription, iterator } = subscribe(connect(), group);
    const received = [];
    for (let i = 0; i < 4; i++) received.push(await next(iterator));
    // Acked out of order: the checkpoint stops before the lowest message still in flight.
    await subscription.ack(received[0]!, received[2]!);
    await until(() => double.persistentSubscriptions.info(group)!.checkpoint === Number(positions[0]));
    expect(double.log.stream(checkpointStreamName(group))!.at(-1)!.type).toBe('$SubscriptionCheckpoint');

    await double.restart();
    const after = subscribe(connect(), group);
    const redelivered = [await next(after.iterator), await next(after.iterator), await next(after.iterator)];
    expect(redelivered.map((resolved) => [resolved.event!.position!.commit, resolved.retryCount])).toEqual([
      [positions[1], 0],
      [positions[2], 0],
      [positions[3], 0],
    ]);
  });
});
