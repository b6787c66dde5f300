import type { AllFilter } from '../../eventstore/event-store.js';

/** The event store's filter semantics (any stream prefix AND any type prefix; an absent list keeps all), in memory. */
export function filterMatches(filter: AllFilter, event: { streamName: string; type: string }): boolean {
  const streams = filter.streamNamePrefixes;
  const types = filter.eventTypePrefixes;
  return (
    (!streams || streams.length === 0 || streams.some((prefix) => event.streamName.startsWith(prefix))) &&
    (!types || types.length === 0 || types.some((prefix) => event.type.startsWith(prefix)))
  );
}

/**
 * One filter that lets through everything any of the given filters does, so
 * the log is read once for all of them: the union of stream prefixes when
 * each filter is by stream prefix alone, else no filter at all.
 */
export function unionFilter(filters: readonly AllFilter[]): AllFilter | undefined {
  const prefixes = new Set<string>();
  for (const filter of filters) {
    const streams = filter.streamNamePrefixes ?? [];
    if (streams.length === 0 || (filter.eventTypePrefixes ?? []).length > 0) return undefined;
    for (const prefix of streams) prefixes.add(prefix);
  }
  return prefixes.size > 0 ? { streamNamePrefixes: [...prefixes] } : undefined;
}
