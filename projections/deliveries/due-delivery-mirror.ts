import type { DeliveryEvent } from '../../src/domain/delivery/delivery-events.js';
import type { RecordedEvent } from '../../src/eventstore/event-store.js';
import { DELIVERY_STREAM_PREFIX, MESSAGE_STREAM_PREFIX } from '../../src/streams/stream-names.js';
import type { MessagePublished } from '../../src/domain/message/message-events.js';
import { publishedDeliveries, type DueDeliveries, type DueDelivery } from './due-deliveries.js';

/** Rows held in memory at most; with more PENDING deliveries than this, the queue is read from SQL. */
const DEFAULT_CAPACITY = 50_000;
/** While the rows do not fit, how often to look whether they fit again. */
const RELOAD_CHECK_MS = 1_000;
/** Dead entries are dropped from the order once there are this many and more than live ones. */
const COMPACT_AFTER = 1_024;

/** Delivery events after which the delivery is final (SUCCEEDED or FAILED) until a redelivery. */
const ENDING_EVENTS: ReadonlySet<string> = new Set(['DeliverySucceeded', 'DeliveryFailed'] satisfies DeliveryEvent['type'][]);

interface Entry {
  row: DueDelivery;
  live: boolean;
}

const before = (a: DueDelivery, b: DueDelivery): boolean =>
  a.nextAttemptAt < b.nextAttemptAt || (a.nextAttemptAt === b.nextAttemptAt && a.id < b.id);

/**
 * The worker's queue (the PENDING rows of the deliveries table) mirrored in
 * memory, so that picking due deliveries costs no SQL query per wake-up.
 *
 * The table stays the source of truth: the mirror is loaded from it, and
 * after each commit of the delivery projection the rows that the committed
 * events touched are read again (`refresh`; a publish's new rows follow from
 * its event), so it shows exactly what the table shows. When there are more
 * PENDING rows than it holds, it answers from the table instead
 * (DueDeliveries) until they fit again.
 *
 * Order and answers are the table's: earliest due first, then by id.
 */
export class DueDeliveryMirror {
  /** Sorted by (nextAttemptAt, id); dead entries stay until compaction. */
  private order: Entry[] = [];
  private head = 0;
  private dead = 0;
  private readonly byId = new Map<string, Entry>();
  private loaded = false;
  /** False while the PENDING rows do not fit: the table answers. */
  private fits = false;
  private lastFitCheck = 0;
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(
    private readonly table: DueDeliveries,
    options: { capacity?: number; now?: () => number } = {},
  ) {
    this.capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.now = options.now ?? Date.now;
  }

  /** Due at `now` (ISO), earliest first, leaving out the webhooks in `skipWebhooks` and the deliveries in `skip`. */
  due(now: string, limit: number, skipWebhooks: readonly string[], skip: Iterable<string>): DueDelivery[] {
    if (!this.ready()) return this.table.due(now, limit, skipWebhooks, skip);
    const skipped = skip instanceof Set ? (skip as Set<string>) : new Set(skip);
    const fullWebhooks = new Set(skipWebhooks);
    const rows: DueDelivery[] = [];
    this.dropDeadHead();
    for (let i = this.head; i < this.order.length && rows.length < limit; i++) {
      const entry = this.order[i]!;
      if (!entry.live) continue;
      if (entry.row.nextAttemptAt > now) break;
      if (fullWebhooks.has(entry.row.webhookId) || skipped.has(entry.row.id)) continue;
      rows.push(entry.row);
    }
    return rows;
  }

  /** The earliest due time strictly after `now`, to sleep until; null when nothing is waiting. */
  nextDueAfter(now: string): string | null {
    if (!this.ready()) return this.table.nextDueAfter(now);
    for (let i = this.firstAfter(now); i < this.order.length; i++) {
      const entry = this.order[i]!;
      if (entry.live) return entry.row.nextAttemptAt;
    }
    return null;
  }

  /** Forgets what it holds, to load it again from the table at the next look (the table was changed from outside). */
  reload(): void {
    this.loaded = false;
    this.fits = false;
    this.clear();
  }

  /** After the delivery projection committed `events`: reads again the rows they touched. */
  refresh(events: readonly RecordedEvent[]): void {
    if (!this.loaded || !this.fits) return;
    // By delivery, the type of its last event in the batch.
    const deliveries = new Map<string, string>();
    for (const event of events) {
      if (event.streamName.startsWith(DELIVERY_STREAM_PREFIX)) {
        deliveries.set(event.streamName.slice(DELIVERY_STREAM_PREFIX.length), event.type);
      } else if (event.streamName.startsWith(MESSAGE_STREAM_PREFIX) && event.type === 'MessagePublished') {
        // The rows a publish inserts follow from its event alone: no need to read them back.
        for (const row of publishedDeliveries((event as unknown as MessagePublished).data)) this.put(row);
      }
    }
    for (const [id, lastType] of deliveries) {
      // A delivery whose last event ends it is no longer PENDING (the domain's evolve): no need to read its row.
      const row = ENDING_EVENTS.has(lastType) ? undefined : this.table.pendingById(id);
      if (row) this.put(row);
      else this.remove(id);
    }
    if (!this.fits) this.clear();
  }

  private ready(): boolean {
    if (!this.loaded) {
      this.loaded = true;
      this.load();
    } else if (!this.fits && this.now() - this.lastFitCheck >= RELOAD_CHECK_MS) {
      this.lastFitCheck = this.now();
      if (this.table.pendingCount() <= this.capacity / 2) this.load();
    }
    return this.fits;
  }

  private load(): void {
    this.clear();
    const rows = this.table.pending(this.capacity + 1);
    this.fits = rows.length <= this.capacity;
    if (!this.fits) return;
    for (const row of rows) {
      const entry = { row, live: true };
      this.order.push(entry);
      this.byId.set(row.id, entry);
    }
  }

  private clear(): void {
    this.order = [];
    this.head = 0;
    this.dead = 0;
    this.byId.clear();
  }

  private put(row: DueDelivery): void {
    const existing = this.byId.get(row.id);
    if (existing && existing.row.nextAttemptAt === row.nextAttemptAt) {
      existing.row = row;
      return;
    }
    if (existing) this.kill(existing);
    else if (this.byId.size >= this.capacity) {
      this.fits = false;
      this.lastFitCheck = this.now();
      return;
    }
    const entry = { row, live: true };
    this.byId.set(row.id, entry);
    const last = this.order[this.order.length - 1];
    if (last === undefined || this.order.length === this.head || !before(row, last.row)) {
      this.order.push(entry);
      return;
    }
    let low = this.head;
    let high = this.order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (before(this.order[middle]!.row, row)) low = middle + 1;
      else high = middle;
    }
    this.order.splice(low, 0, entry);
  }

  private remove(id: string): void {
    const existing = this.byId.get(id);
    if (existing) this.kill(existing);
  }

  private kill(entry: Entry): void {
    entry.live = false;
    this.byId.delete(entry.row.id);
    this.dead += 1;
    if (this.dead >= COMPACT_AFTER && this.dead > this.byId.size) {
      this.order = this.order.slice(this.head).filter((e) => e.live);
      this.head = 0;
      this.dead = 0;
    }
  }

  private dropDeadHead(): void {
    while (this.head < this.order.length && !this.order[this.head]!.live) {
      this.head += 1;
      this.dead -= 1;
    }
    if (this.head > COMPACT_AFTER && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }

  /** Index of the first entry (live or dead) due strictly after `now`. */
  private firstAfter(now: string): number {
    let low = this.head;
    let high = this.order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.order[middle]!.row.nextAttemptAt <= now) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
