import type { Projection } from '../../../projections/projection.js';
import type { ReadModelDatabase } from '../../../projections/read-model-database.js';
import type { EventStore, RecordedEvent } from '../../eventstore/event-store.js';
import { countEvents, progressBar } from '../progress.js';
import { filterMatches, unionFilter } from './filter-match.js';

const BATCH = 1_000;

export interface RebuildResult {
  /** Events read from the log (each applied to every projection that wants it). */
  events: number;
  /** Last position applied, per projection; absent when a projection got no event. */
  positions: Map<string, number>;
  seconds: number;
}

/**
 * Folds the log from position 0 into `target`, a fresh read-model database:
 * each projection up to its own position in `upTo` (so that it can be
 * compared with a live model that stopped there), in batched transactions
 * that also save each projection's checkpoint, as the server's runner does.
 */
export async function rebuildReadModels(
  store: EventStore,
  projections: readonly Projection[],
  target: ReadModelDatabase,
  upTo: ReadonlyMap<string, number>,
): Promise<RebuildResult> {
  const started = Date.now();
  const { db } = target;
  for (const projection of projections) projection.setup(db);
  const limitOf = (projection: Projection) => upTo.get(projection.name) ?? 0;
  const end = Math.max(0, ...projections.map(limitOf));
  const filter = unionFilter(projections.map((projection) => projection.filter));

  const total = await countEvents(store.readAll({ ...(filter && { filter }) }), end);
  const progress = progressBar('replay', total);
  const positions = new Map<string, number>();
  const applyBatch = db.transaction((batch: RecordedEvent[]) => {
    for (const event of batch) {
      for (const projection of projections) {
        if (event.position > limitOf(projection) || !filterMatches(projection.filter, event)) continue;
        projection.apply(db, event);
        positions.set(projection.name, event.position);
      }
    }
    for (const projection of projections) {
      const position = positions.get(projection.name);
      if (position !== undefined) target.saveCheckpoint(projection.name, { version: projection.version, position });
    }
  });

  let done = 0;
  let batch: RecordedEvent[] = [];
  try {
    for await (const event of store.readAll({ ...(filter && { filter }) })) {
      if (event.position > end) break;
      batch.push(event);
      if (batch.length >= BATCH) {
        applyBatch(batch);
        done += batch.length;
        batch = [];
        progress.update(done);
      }
    }
    applyBatch(batch);
    done += batch.length;
    progress.update(done);
  } finally {
    progress.stop();
  }
  return { events: done, positions, seconds: (Date.now() - started) / 1000 };
}
