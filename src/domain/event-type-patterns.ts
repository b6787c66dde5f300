import { DomainError } from './errors.js';

export const MAX_EVENT_TYPE_LENGTH = 128;
export const MAX_EVENT_TYPE_PATTERNS = 100;

/**
 * Event types are dot-separated segments of letters, digits, `_` and `-`
 * (`invoice.paid`, `order-line.added`, `101`). A pattern is an exact type,
 * a type followed by `.*` (everything below that prefix, at any depth), or
 * `*` (everything).
 */
const EVENT_TYPE = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const WILDCARD = '*';
const PREFIX_SUFFIX = '.*';

export function isValidEventType(type: string): boolean {
  return type.length <= MAX_EVENT_TYPE_LENGTH && EVENT_TYPE.test(type);
}

export function isValidEventTypePattern(pattern: string): boolean {
  if (pattern === WILDCARD) return true;
  if (pattern.length > MAX_EVENT_TYPE_LENGTH) return false;
  const exact = pattern.endsWith(PREFIX_SUFFIX) ? pattern.slice(0, -PREFIX_SUFFIX.length) : pattern;
  return EVENT_TYPE.test(exact);
}

/** `invoice.*` matches `invoice.paid` and `invoice.line.added`, not `invoice` itself. Case-sensitive. */
export function eventTypeMatches(pattern: string, type: string): boolean {
  if (pattern === WILDCARD) return true;
  if (pattern.endsWith(PREFIX_SUFFIX)) {
    const prefix = pattern.slice(0, -1);
    return type.length > prefix.length && type.startsWith(prefix);
  }
  return pattern === type;
}

export function validateEventType(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isValidEventType(value)) {
    throw DomainError.invalidInput(
      field,
      `must be dot-separated segments of letters, digits, "_" or "-", at most ${MAX_EVENT_TYPE_LENGTH} characters`,
    );
  }
  return value;
}

/** A list of patterns, each named by its index on error (`filters.eventTypes.2`). */
export function validateEventTypePatterns(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw DomainError.invalidInput(field, 'must be a list of event type patterns');
  if (value.length > MAX_EVENT_TYPE_PATTERNS) {
    throw DomainError.invalidInput(field, `must hold at most ${MAX_EVENT_TYPE_PATTERNS} patterns`);
  }
  const seen = new Set<string>();
  return value.map((pattern: unknown, index) => {
    const itemField = `${field}.${index}`;
    if (typeof pattern !== 'string' || !isValidEventTypePattern(pattern)) {
      throw DomainError.invalidInput(
        itemField,
        `must be an event type (letters, digits, "_", "-" in dot-separated segments, at most ${MAX_EVENT_TYPE_LENGTH} characters), a type followed by ".*", or "*"`,
      );
    }
    if (seen.has(pattern)) throw DomainError.invalidInput(itemField, `lists "${pattern}" twice`);
    seen.add(pattern);
    return pattern;
  });
}
