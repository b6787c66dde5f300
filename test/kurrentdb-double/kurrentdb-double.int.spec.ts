import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  START,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKurrentDbDouble, type KurrentDbDouble } from './kurrentdb-double.js';
import { fromUuidMessage, toUuidMessage } from './uuid-message.js';

/** The double checked with the real client, on the paths the adapter's own tests do not take. */
describe('KurrentDB double', () => {
  let double: KurrentDbDouble;
  let client: KurrentDBClient;

  beforeAll(async () => {
    double = await startKurrentDbDouble();
    client = KurrentDBClient.connectionString(double.connectionString);
  });
  afterAll(async () => {
    await client.dispose();
    await double.stop();
  });

  const events = (...types: string[]) => types.map((type) => jsonEvent({ type, data: { type } }));
  const typesOf = (resolved: { event?: { type: string } }[]) => resolved.map((r) => r.event?.type);

  async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
    const out: T[] = [];
    for await (const item of iterable) out.push(item);
    return out;
  }

  it('starts with $ system events in $all, like a fresh server', async () => {
    const all = await collect(client.readAll({ fromPosition: START, maxCount: 2 }));
    expect(all.every((e) => e.event!.type.startsWith('$'))).toBe(true);
  });

  it('reports the current revision and the expected state on a wrong expected version', async () => {
    const stream = `wev-${randomUUID()}`;
    await client.appendToStream(stream, events('A', 'B'));
    const error = await client.appendToStream(stream, events('C'), { streamState: 0n }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect(error).toMatchObject({ actualState: 1n, expectedState: 0n });
    const missing = await client
      .appendToStream(`${stream}-none`, events('C'), { streamState: 'stream_exists' })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ actualState: 'no_stream', expectedState: 'stream_exists' });
  });

  it('reads $all backwards from a position, excluding it, and filters by regex', async () => {
    const stream = `back-${randomUUID()}`;
    await client.appendToStream(stream, events('One', 'Two', 'Three'));
    const [last] = await collect(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }));
    expect(last!.event!.type).toBe('Three');
    const before = await collect(
      client.readAll({ fromPosition: last!.event!.position, direction: BACKWARDS, maxCount: 2 }),
    );
    expect(typesOf(before)).toEqual(['Two', 'One']);
    const user = await collect(client.readAll({ fromPosition: START, direction: FORWARDS, filter: excludeSystemEvents() }));
    expect(user.some((e) => e.event!.type.startsWith('$'))).toBe(false);
  });

  it('subscribes to a stream after a revision, then catches up and goes live', async () => {
    const stream = `sub-${randomUUID()}`;
    await client.appendToStream(stream, events('R0', 'R1', 'R2'));
    const subscription = client.subscribeToStream(stream, { fromRevision: 0n });
    const caughtUp = new Promise((resolve) => subscription.once('caughtUp', resolve));
    const received: ResolvedEvent[] = [];
    const done = (async () => {
      for await (const resolved of subscription) {
        received.push(resolved);
        if (received.length === 3) break;
      }
    })();
    expect(await caughtUp).toMatchObject({ revision: 2n });
    await client.appendToStream(stream, events('R3'));
    await done;
    expect(typesOf(received)).toEqual(['R1', 'R2', 'R3']);
  });

  it('sends checkpoints to a filtered $all subscription while it scans events that do not match', async () => {
    const stream = `chk-${randomUUID()}`;
    await client.appendToStream(stream, Array.from({ length: 40 }, () => jsonEvent({ type: 'Skipped', data: {} })));
    const checkpoints: bigint[] = [];
    const subscription = client.subscribeToAll({
      fromPosition: START,
      filter: eventTypeFilter({ prefixes: ['Nothing'], maxSearchWindow: 10, checkpointReached: async (_, p) => void checkpoints.push(p.commit) }),
    });
    await new Promise((resolve) => subscription.once('caughtUp', resolve));
    subscription.resume();
    await subscription.unsubscribe();
    expect(checkpoints.length).toBeGreaterThanOrEqual(4);
  });

  it('answers Delete with UNIMPLEMENTED, and takes appends through Append since BatchAppend is not offered', async () => {
    await expect(client.deleteStream(`del-${randomUUID()}`)).rejects.toMatchObject({ code: 12 });
    const appendsBefore = double.activity.appends;
    await client.appendToStream(`plain-${randomUUID()}`, events('Plain'));
    expect(double.activity.appends).toBe(appendsBefore + 1);
  });

  it('refuses, as UNIMPLEMENTED, the persistent subscriptions it does not model: to a stream, or not round robin', async () => {
    await expect(
      client.createPersistentSubscriptionToStream(`orders-${randomUUID()}`, 'group', persistentSubscriptionToStreamSettingsFromDefaults()),
    ).rejects.toMatchObject({ code: 12 });
    await expect(
      client.createPersistentSubscriptionToAll(`pinned-${randomUUID()}`, persistentSubscriptionToAllSettingsFromDefaults({ consumerStrategyName: 'Pinned' })),
    ).rejects.toMatchObject({ code: 12 });
  });

  it('keeps its data across a restart on the same port', async () => {
    const stream = `keep-${randomUUID()}`;
    await client.appendToStream(stream, events('Kept'));
    const port = double.port;
    await double.restart();
    expect(double.port).toBe(port);
    const read = await collect(KurrentDBClient.connectionString(double.connectionString).readStream(stream));
    expect(typesOf(read)).toEqual(['Kept']);
  });

  it('writes ids in both formats KurrentDB can be asked for', () => {
    const id = randomUUID();
    expect(fromUuidMessage(toUuidMessage(id, 'structured'))).toBe(id);
    expect(fromUuidMessage(toUuidMessage(id, 'string'))).toBe(id);
  });
});
