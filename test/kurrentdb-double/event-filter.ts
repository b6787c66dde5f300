import type { LoggedEvent } from './event-log.js';

/** The filter expression of Streams.Read and of PersistentSubscriptions.Create: prefixes or a regex. */
interface FilterExpression {
  getPrefixList(): string[];
  getRegex(): string;
}

/** Both protocols filter `$all` either on the stream name or on the event type, with the same message shape. */
export interface FilterOptions {
  hasStreamIdentifier(): boolean;
  getStreamIdentifier(): FilterExpression | undefined;
  getEventType(): FilterExpression | undefined;
}

export class InvalidFilter extends Error {}

/** Prefixes win over a regex when both are sent, as in KurrentDB. */
export function eventFilter(filter: FilterOptions): (event: LoggedEvent) => boolean {
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier() : filter.getEventType();
  if (!expression) throw new InvalidFilter('Filter without an expression');
  const field = (event: LoggedEvent) => (onStream ? event.streamName : event.type);

  const prefixes = expression.getPrefixList();
  if (prefixes.length > 0) return (event) => prefixes.some((prefix) => field(event).startsWith(prefix));
  const regex = expression.getRegex();
  if (regex) {
    const pattern = new RegExp(regex);
    return (event) => pattern.test(field(event));
  }
  throw new InvalidFilter('Filter expression with neither prefixes nor a regex');
}
