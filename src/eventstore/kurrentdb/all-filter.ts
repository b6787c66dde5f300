import { eventTypeFilter, excludeSystemEvents, streamNameFilter, type Filter } from '@kurrent/kurrentdb-client';
import type { AllFilter } from '../event-store.js';
import { isSystemEventType } from './recorded-event.js';

/**
 * An AllFilter split into what KurrentDB can do (one filter per request, on
 * stream name or on event type) and a check that is always run on what comes
 * back: the other dimension, and `$` system events.
 */
export interface AllFilterPlan {
  server: Filter;
  keep(event: { streamName: string; type: string }): boolean;
}

export function planAllFilter(filter: AllFilter | undefined): AllFilterPlan {
  const streamPrefixes = nonEmpty(filter?.streamNamePrefixes);
  const typePrefixes = nonEmpty(filter?.eventTypePrefixes);

  // Stream prefixes go to the server when both are given: in hookgate they select a tenant or an aggregate, the narrower cut.
  const server = streamPrefixes
    ? streamNameFilter({ prefixes: streamPrefixes })
    : typePrefixes
      ? eventTypeFilter({ prefixes: typePrefixes })
      : excludeSystemEvents();

  return {
    server,
    keep: ({ streamName, type }) =>
      !isSystemEventType(type) &&
      (!streamPrefixes || streamPrefixes.some((prefix) => streamName.startsWith(prefix))) &&
      (!typePrefixes || typePrefixes.some((prefix) => type.startsWith(prefix))),
  };
}

function nonEmpty(prefixes: string[] | undefined): string[] | undefined {
  return prefixes && prefixes.length > 0 ? prefixes : undefined;
}
