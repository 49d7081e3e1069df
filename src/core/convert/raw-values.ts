import { escapeControlCharacters } from '../model/problem.js';
import type { FieldPath } from './field-path.js';
import type { ProblemCollector } from './problem-collector.js';

/**
 * A raw object: anything with string keys. Plain JSON/YAML objects and client-node class
 * instances (`V1Pod`, ...) both qualify; arrays do not.
 */
export type RawRecord = Readonly<Record<string, unknown>>;

/** True for a non-null, non-array object. */
export function isRecord(value: unknown): value is RawRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True when a field is absent. JSON `null` and client-node's explicitly `undefined` class
 * fields mean the same as an absent key in Kubernetes.
 */
export function isAbsent(value: unknown): value is null | undefined {
  return value === undefined || value === null;
}

/** `record[key]`, or undefined when `record` is not an object. */
export function field(record: unknown, key: string): unknown {
  return isRecord(record) ? record[key] : undefined;
}

/**
 * An optional string field. Absent → undefined; any other non-string → a warning and
 * undefined (the field is treated as unset).
 */
export function optionalString(value: unknown, path: FieldPath, problems: ProblemCollector): string | undefined {
  if (isAbsent(value)) return undefined;
  if (typeof value === 'string') return value;
  problems.warning(path, `expected a string, got ${describe(value)}; ignored`);
  return undefined;
}

/**
 * An optional boolean field. Absent → `fallback`; a non-boolean → a warning and `fallback`.
 */
export function optionalBoolean(
  value: unknown,
  path: FieldPath,
  problems: ProblemCollector,
  fallback: boolean,
): boolean {
  if (isAbsent(value)) return fallback;
  if (typeof value === 'boolean') return value;
  problems.warning(path, `expected a boolean, got ${describe(value)}; using ${String(fallback)}`);
  return fallback;
}

/**
 * An optional list. Absent → `[]`. Not a list → a problem of the given severity and
 * undefined, so the caller decides whether a broken list drops the object or just the list.
 */
export function optionalArray(
  value: unknown,
  path: FieldPath,
  problems: ProblemCollector,
  severity: 'error' | 'warning',
): readonly unknown[] | undefined {
  if (isAbsent(value)) return [];
  if (Array.isArray(value)) return value;
  const message = `expected a list, got ${describe(value)}`;
  if (severity === 'error') problems.error(path, message);
  else problems.warning(path, `${message}; ignored`);
  return undefined;
}

/** Longest part of a string value that a message quotes; the rest is cut to an ellipsis. */
const QUOTED_LENGTH = 80;

/**
 * A string value as a message shows it: in double quotes, with quotes and backslashes escaped
 * and every control character written as an escape (see {@link escapeControlCharacters}), cut after
 * 80 characters. Every value taken from an object goes through this before it enters a
 * message, so a name holding a newline or a terminal escape cannot forge output.
 */
export function quote(text: string): string {
  const shown = text.length > QUOTED_LENGTH ? `${text.slice(0, QUOTED_LENGTH)}…` : text;
  return `"${escapeControlCharacters(shown.replace(/["\\]/g, '\\$&'))}"`;
}

/**
 * A value as a message names it after a word that says what it should have been
 * (`unknown protocol "HTTP"`): a string quoted, a number as it is, anything else by its type.
 */
export function shownValue(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return String(value);
  return describe(value);
}

/** A short description of a value's type for messages: `a number`, `an object`, `null`. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `the string ${quote(value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `the boolean ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return `a value of type ${typeof value}`;
  }
}

/**
 * Sets `target[key] = value` as an own, enumerable, writable property of `target`, a plain
 * object made by the caller. Plain assignment alone would treat a user-supplied key
 * `__proto__` as the prototype instead of data.
 */
export function setEntry(target: Record<string, unknown>, key: string, value: unknown): void {
  // On a plain object, `__proto__` is the only key whose assignment does not create an own
  // data property (Object.prototype has no other setter); defining a property is much slower.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
