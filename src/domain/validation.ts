import { DomainError } from './errors.js';

/** C0 controls and DEL: never meaningful in names, ids or header values. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

export const hasControlCharacter = (value: string): boolean => CONTROL_CHARACTER.test(value);

export const isPresent = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;

/** Event payloads hold ISO strings; an invalid Date would otherwise throw a RangeError deep inside. */
export function isoTimestamp(now: Date, field = 'now'): string {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw DomainError.invalidInput(field, 'must be a valid date');
  }
  return now.toISOString();
}

export function addSeconds(iso: string, seconds: number): string {
  return new Date(Date.parse(iso) + seconds * 1000).toISOString();
}

export type TextRules = {
  /** Maximum length in UTF-16 code units. */
  max: number;
  /** Trim surrounding whitespace before checking (for names people type, not for credentials). */
  trim?: boolean;
};

/** A required single-line string: non-empty, no control characters, at most `max` long. */
export function requireText(value: unknown, field: string, rules: TextRules): string {
  if (typeof value !== 'string') throw DomainError.invalidInput(field, 'is required and must be a string');
  const text = rules.trim ? value.trim() : value;
  if (text === '') throw DomainError.invalidInput(field, 'must not be empty');
  if (text.length > rules.max) throw DomainError.invalidInput(field, `must be at most ${rules.max} characters`);
  if (hasControlCharacter(text)) throw DomainError.invalidInput(field, 'must not contain control characters');
  return text;
}

/** Like requireText, but null, undefined and blank all mean "no value". */
export function optionalText(value: unknown, field: string, rules: TextRules): string | null {
  if (!isPresent(value)) return null;
  if (typeof value === 'string' && value.trim() === '') return null;
  return requireText(value, field, rules);
}

export function sameStringSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((item) => set.has(item));
}
