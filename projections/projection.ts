import type Database from 'better-sqlite3';
import type { AllFilter, RecordedEvent } from '../src/eventstore/event-store.js';

/**
 * A read model folded from the log into tables of the read-model database.
 * `apply` runs inside the transaction that also moves the checkpoint, so an
 * event is applied exactly once even across crashes.
 */
export interface Projection {
  /** Unique; names the checkpoint. */
  readonly name: string;
  /** Bump when the tables or the fold change: the projection is then rebuilt from the start. */
  readonly version: number;
  /** The events it needs; a mutation waits on the projection whose filter covers the stream it wrote. */
  readonly filter: AllFilter;
  /** Creates its tables if missing. */
  setup(db: Database.Database): void;
  /** Drops everything it built, before a rebuild. */
  reset(db: Database.Database): void;
  apply(db: Database.Database, event: RecordedEvent): void;
  /**
   * Applies events in log order, with the same effect as `apply` on each in
   * turn; a projection may give it to fold several events into fewer writes.
   */
  applyBatch?(db: Database.Database, events: readonly RecordedEvent[]): void;
}
