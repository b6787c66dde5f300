import { DomainError } from './errors.js';

/** C0 controls and DEL: never meaningful in names, ids or header values. */
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

export const hasControlCharacter = (value: string): boolean => CONTROL_CHARACTER.test(value);

export const isPresent = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;

/** Event payloads hold ISO strings; an invalid Date would otherwise throw a RangeError deep inside. */
export function isoTimestamp(now: Date, field = 'now'): string {
  const ms = now instanceof Date ? now.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw DomainError.invalidInput(field, 'must be a valid date');
  // Formatting is a call into the runtime (~0.4 µs), and under load many events in a row carry the same
  // two or three milliseconds (an attempt's start and end): the last two are remembered.
  if (ms === isoCache.ms[0]) return isoCache.iso[0];
  if (ms === isoCache.ms[1]) return isoCache.iso[1];
  const iso = now.toISOString();
  isoCache.ms[1] = isoCache.ms[0];
  isoCache.iso[1] = isoCache.iso[0];
  isoCache.ms[0] = ms;
  isoCache.iso[0] = iso;
  return iso;
}

const isoCache: { ms: [number, number]; iso: [string, string] } = { ms: [Number.NaN, Number.NaN], iso: ['', ''] };

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
