import type { RecordedEvent } from '../../eventstore/event-store.js';

/**
 * Builds a payload once per event for every subscriber: the hub hands them all
 * the same event object, so they all get the same payload object, and their
 * GraphQL results can be shared as well (see shared-subscription-results.ts).
 */
export function perEvent<T>(build: (event: RecordedEvent) => T): (event: RecordedEvent) => T {
  const built = new WeakMap<RecordedEvent, T>();
  return (event) => {
    let payload = built.get(event);
    if (payload === undefined) {
      payload = build(event);
      built.set(event, payload);
    }
    return payload;
  };
}
