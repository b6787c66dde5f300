import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type {
  CompetingConsumerOptions,
  CompetingConsumers,
  CompetingMessage,
} from '../../src/eventstore/competing-consumers.js';
import type { EventStore, RecordedEvent } from '../../src/eventstore/event-store.js';
import { Inbox } from './competing-consumers-inbox.js';

export interface CompetingConsumersFixture {
  /** Where the tests append the events the groups share. */
  store: EventStore;
  /** Competing consumers as one more gateway instance would have them (its own connection). */
  openInstance(): CompetingConsumers;
  cleanup(): Promise<void>;
}

/**
 * Behaviour of the competing-consumers port that any store implementing it
 * must show. Every test uses its own groups and stream prefixes, so the suite
 * can run against a shared server. Waits for "nothing more arrives" are
 * bounded; waits for something to arrive are not (the test time-out is).
 */
export function describeCompetingConsumersContract(name: string, setup: () => Promise<CompetingConsumersFixture>): void {
  describe(`competing consumers contract: ${name}`, () => {
    let fixture: CompetingConsumersFixture;
    let instances: CompetingConsumers[] = [];

    beforeAll(async () => {
      fixture = await setup();
    });
    afterEach(async () => {
      await Promise.all(instances.map((instance) => instance.close()));
      instances = [];
    });
    afterAll(() => fixture.cleanup());

    /** Long enough for a server that checks time-outs once a second to have sent anything it was going to send. */
    const QUIET_MS = 1_500;

    function instance(): CompetingConsumers {
      const opened = fixture.openInstance();
      instances.push(opened);
      return opened;
    }

    function names(purpose: string) {
      const id = randomUUID();
      return { group: `hookgate-test-${purpose}-${id}`, prefix: `cc-${purpose}-${id}-` };
    }

    async function join(
      consumers: CompetingConsumers,
      options: Partial<CompetingConsumerOptions> & Pick<CompetingConsumerOptions, 'group' | 'filter'>,
    ): Promise<Inbox> {
      const subscription = await consumers.join({ consumerName: 'test-instance', startFrom: 'start', ...options });
      return new Inbox(subscription);
    }

    async function append(streamName: string, types: string[]): Promise<RecordedEvent[]> {
      await fixture.store.appendToStream(
        streamName,
        types.map((type, i) => ({ id: randomUUID(), type, data: { i } })),
      );
      return (await fixture.store.readStream(streamName)).events.slice(-types.length);
    }

    const idsOf = (items: (CompetingMessage | RecordedEvent)[]) =>
      items.map((item) => ('event' in item ? item.event.id : item.id));

    /** Every inbox takes and acks messages until `total` have arrived between them. */
    async function consumeTogether(inboxes: Inbox[], total: number): Promise<CompetingMessage[][]> {
      const received = inboxes.map((): CompetingMessage[] => []);
      let count = 0;
      let allArrived!: () => void;
      const arrived = new Promise<void>((resolve) => (allArrived = resolve));
      await Promise.all(
        inboxes.map(async (inbox, i) => {
          for (;;) {
            const message = await inbox.nextUnless(arrived);
            if (!message) return;
            received[i]!.push(message);
            await message.ack();
            if (++count >= total) allArrived();
          }
        }),
      );
      return received;
    }

    it('shares a group between two instances: each event goes to exactly one of them, once, when all are acked', async () => {
      const { group, prefix } = names('share');
      const filter = { streamNamePrefixes: [prefix] };
      const first = await join(instance(), { group, filter, consumerName: 'instance-1', bufferSize: 4 });
      const second = await join(instance(), { group, filter, consumerName: 'instance-2', bufferSize: 4 });

      const appended: RecordedEvent[] = [];
      for (let stream = 0; stream < 3; stream++) {
        appended.push(...(await append(`${prefix}${stream}`, Array.from({ length: 10 }, (_, i) => `Shared${i}`))));
      }
      const [firstShare, secondShare] = await consumeTogether([first, second], appended.length);

      expect(firstShare!.length).toBeGreaterThan(0);
      expect(secondShare!.length).toBeGreaterThan(0);
      const all = idsOf([...firstShare!, ...secondShare!]);
      expect(new Set(all).size).toBe(all.length);
      expect([...all].sort()).toEqual(idsOf(appended).sort());
      expect([...firstShare!, ...secondShare!].every((message) => message.retryCount === 0)).toBe(true);

      expect(await first.quietFor(QUIET_MS)).toBe(true);
      expect(await second.quietFor(0)).toBe(true);
    });

    it('hands a message nacked with retry out again with retryCount 1, and not again once it is acked', async () => {
      const { group, prefix } = names('retry');
      const inbox = await join(instance(), { group, filter: { streamNamePrefixes: [prefix] } });
      const [event] = await append(`${prefix}stream`, ['Flaky']);

      const first = await inbox.next();
      expect([first.event.id, first.retryCount]).toEqual([event!.id, 0]);
      await first.nack('retry', 'receiver answered 503');
      const again = await inbox.next();
      expect([again.event.id, again.retryCount]).toEqual([event!.id, 1]);
      expect(again.event).toEqual(first.event);
      await again.ack();
      expect(await inbox.quietFor(QUIET_MS)).toBe(true);
    });

    it('gives what a consumer held un-acknowledged when it left to another consumer of the group', async () => {
      const { group, prefix } = names('leave');
      const filter = { streamNamePrefixes: [prefix] };
      const leaving = await join(instance(), { group, filter, consumerName: 'leaving', bufferSize: 10 });
      const appended = await append(`${prefix}stream`, ['A', 'B', 'C', 'D', 'E']);
      const held = await leaving.take(5);
      expect(idsOf(held)).toEqual(idsOf(appended));

      const staying = await join(instance(), { group, filter, consumerName: 'staying' });
      expect(await staying.quietFor(500)).toBe(true);
      await leaving.subscription.close();
      expect(await leaving.ended()).toBe(true);

      const taken = await staying.take(5);
      expect(idsOf(taken).sort()).toEqual(idsOf(appended).sort());
      expect(taken.every((message) => message.retryCount > 0)).toBe(true);
      await Promise.all(taken.map((message) => message.ack()));
      // The leaver's late ack changes nothing: the message was already taken back.
      await held[0]!.ack();
      expect(await staying.quietFor(QUIET_MS)).toBe(true);
    });

    it('hands a message out again when it is not settled within the message time-out', async () => {
      const { group, prefix } = names('timeout');
      const inbox = await join(instance(), { group, filter: { streamNamePrefixes: [prefix] }, messageTimeoutMs: 1_000 });
      const [event] = await append(`${prefix}stream`, ['Slow']);
      const first = await inbox.next();
      const again = await inbox.next();
      expect([again.event.id, again.retryCount]).toEqual([event!.id, first.retryCount + 1]);
      await again.ack();
    });

    it('parks a message once its retries are used up, and goes on with the rest', async () => {
      const { group, prefix } = names('park');
      const inbox = await join(instance(), { group, filter: { streamNamePrefixes: [prefix] }, maxRetryCount: 1 });
      const [poison] = await append(`${prefix}stream`, ['Poison']);
      await (await inbox.next()).nack('retry', 'first failure');
      const last = await inbox.next();
      expect([last.event.id, last.retryCount]).toEqual([poison!.id, 1]);
      await last.nack('retry', 'second failure');
      expect(await inbox.quietFor(QUIET_MS)).toBe(true);

      const [fine] = await append(`${prefix}stream`, ['Fine']);
      const next = await inbox.next();
      expect(next.event.id).toBe(fine!.id);
      await next.ack();
    });

    it('takes only what the group’s filter selects, on stream names, event types or both', async () => {
      const { prefix } = names('filter');
      const type = `Wanted${randomUUID().slice(0, 8)}`;
      const wantedStream = await append(`${prefix}wanted`, [type, 'Other', type]);
      await append(`other-${prefix}`, [type, 'Other']);

      const byStream = await join(instance(), { group: names('by-stream').group, filter: { streamNamePrefixes: [prefix] } });
      const byType = await join(instance(), { group: names('by-type').group, filter: { eventTypePrefixes: [type] } });
      // One slot: had the consumer not settled the 'Other' event it drops itself, the last wanted one could not come.
      const byBoth = await join(instance(), {
        group: names('by-both').group,
        filter: { streamNamePrefixes: [prefix], eventTypePrefixes: [type] },
        bufferSize: 1,
      });

      const ackAll = async (messages: CompetingMessage[]) => {
        await Promise.all(messages.map((message) => message.ack()));
        return messages;
      };
      expect(idsOf(await ackAll(await byStream.take(3)))).toEqual(idsOf(wantedStream));
      const typed = await ackAll(await byType.take(3));
      expect(typed.every((message) => message.event.type === type)).toBe(true);
      const both: CompetingMessage[] = [];
      while (both.length < 2) {
        const message = await byBoth.next();
        both.push(message);
        await message.ack();
      }
      expect(idsOf(both)).toEqual(idsOf([wantedStream[0]!, wantedStream[2]!]));
      expect(await byStream.quietFor(QUIET_MS)).toBe(true);
      expect(await byBoth.quietFor(0)).toBe(true);
    });

    it('creates a group on the first join; later joins reuse it and continue where it is', async () => {
      const { group, prefix } = names('reuse');
      const filter = { streamNamePrefixes: [prefix] };
      const before = await append(`${prefix}stream`, ['Before1', 'Before2']);
      const first = await join(instance(), { group, filter, startFrom: 'start' });
      const settled = await first.take(2);
      expect(idsOf(settled)).toEqual(idsOf(before));
      await Promise.all(settled.map((message) => message.ack()));
      await first.subscription.close();

      const after = await append(`${prefix}stream`, ['After']);
      // Another instance, another start: the group exists, so it is not applied.
      const later = await join(instance(), { group, filter, startFrom: 'end', messageTimeoutMs: 5_000 });
      const next = await later.next();
      expect(next.event.id).toBe(after[0]!.id);
      await next.ack();
      expect(await later.quietFor(QUIET_MS)).toBe(true);
    });

    it('starts a new group at the end when asked: only events appended after it was created', async () => {
      const { group, prefix } = names('end');
      await append(`${prefix}stream`, ['Old']);
      const inbox = await join(instance(), { group, filter: { streamNamePrefixes: [prefix] }, startFrom: 'end' });
      const [fresh] = await append(`${prefix}stream`, ['New']);
      const next = await inbox.next();
      expect(next.event.id).toBe(fresh!.id);
      expect(next.event).toMatchObject({ type: 'New', streamName: `${prefix}stream`, position: fresh!.position });
      await next.ack();
    });
  });
}
