import { Readable } from 'node:stream';
import type { AllStreamResolvedEvent, AllStreamSubscription } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { SubscriptionFeed } from '../../src/eventstore/kurrentdb/subscription-feed.js';

/** Stands in for the client's subscription stream: events are pushed, the rest are emitted beside them. */
class FakeClientSubscription extends Readable {
  unsubscribed = false;
  constructor() {
    super({ objectMode: true, read() {} });
  }
  async unsubscribe(): Promise<void> {
    this.unsubscribed = true;
  }
}

const resolved = (n: number) => ({ event: { id: `e${n}` }, commitPosition: BigInt(n) }) as unknown as AllStreamResolvedEvent;
const caughtUpAt = (commit: number) => ({ date: new Date(), position: { commit: BigInt(commit), prepare: BigInt(commit) } });

function open() {
  const client = new FakeClientSubscription();
  const feed = new SubscriptionFeed(client as unknown as AllStreamSubscription);
  return { client, feed, stop: new AbortController() };
}

describe('kurrentdb subscription feed', () => {
  it('places caught-up after the events still buffered when the client reported it', async () => {
    const { client, feed, stop } = open();
    client.emit('confirmation');
    client.push(resolved(1));
    client.push(resolved(2));
    client.emit('caughtUp', caughtUpAt(2));
    client.push(resolved(3));

    const kinds = [];
    for (let i = 0; i < 5; i++) {
      const item = await feed.next(stop.signal);
      kinds.push(item.kind === 'event' ? `event ${String(item.resolved.commitPosition)}` : item.kind);
    }
    expect(kinds).toEqual(['confirmed', 'event 1', 'event 2', 'caughtUp', 'event 3']);
  });

  it('reports the position the server caught up at', async () => {
    const { client, feed, stop } = open();
    client.emit('caughtUp', caughtUpAt(42));
    expect(await feed.next(stop.signal)).toEqual({ kind: 'caughtUp', position: 42 });
  });

  it('hands out what arrived before a drop, then the drop', async () => {
    const { client, feed, stop } = open();
    client.push(resolved(1));
    const failure = new Error('gone');
    client.emit('error', failure);
    expect((await feed.next(stop.signal)).kind).toBe('event');
    expect(await feed.next(stop.signal)).toEqual({ kind: 'dropped', error: failure });
  });

  it('waits for the next event, and gives up waiting when stopped', async () => {
    const { client, feed, stop } = open();
    const waiting = feed.next(stop.signal);
    setTimeout(() => client.push(resolved(7)), 20);
    expect((await waiting).kind).toBe('event');

    const stopped = feed.next(stop.signal);
    stop.abort();
    expect(await stopped).toEqual({ kind: 'stopped' });
    await feed.close();
    expect(client.unsubscribed).toBe(true);
    expect(client.destroyed).toBe(true);
  });
});
