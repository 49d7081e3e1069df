import { FieldPath } from './field-path.js';
import type { FieldShape } from './known-fields.js';
import type { ProblemCollector } from './problem-collector.js';
import { isRecord, quote } from './raw-values.js';

/**
 * Warns about every key of `raw` that its kind's {@link FieldShape} does not know, with the
 * path of the key and, when one is close, the field that was probably meant. Lists are
 * walked entry by entry with the shape of their entries. Keys whose value is `undefined` are
 * skipped: client-node objects carry unset fields that way.
 *
 * Unknown fields are warnings, not errors: the object is read as the API server reads it,
 * without the field. The warning is what keeps that from being silent, since a misspelt
 * selector or rule field (`matchLabel`, `form`) makes the object select or allow more.
 * @internal
 */
export function reportUnknownFields(raw: unknown, shape: FieldShape, problems: ProblemCollector): void {
  // Almost every object has no unknown field: a walk that builds no paths and no messages
  // says so, and only an object that has one is walked again to report it.
  if (hasUnknownField(raw, shape)) walk(raw, shape, FieldPath.ROOT, problems);
}

/** True when {@link walk} would report something: the same decisions, nothing built. */
function hasUnknownField(value: unknown, shape: FieldShape): boolean {
  if (Array.isArray(value)) {
    for (const entry of value as unknown[]) if (hasUnknownField(entry, shape)) return true;
    return false;
  }
  if (!isRecord(value)) return false;
  // `for...in` with an own-property test visits what `Object.keys` lists without making that
  // array: this runs for every object of every raw object read.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const entry = value[key];
    if (entry === undefined) continue;
    if (Object.hasOwn(shape.fields, key)) {
      const inner = shape.fields[key];
      if (inner && hasUnknownField(entry, inner)) return true;
      continue;
    }
    if (shape.listed === 'complete' || lowerCaseFields(shape).has(key.toLowerCase())) return true;
  }
  return false;
}

/** The lower-cased field names of each shape, computed once per shape. */
const lowerCaseFieldSets = new WeakMap<FieldShape, ReadonlySet<string>>();

function lowerCaseFields(shape: FieldShape): ReadonlySet<string> {
  let known = lowerCaseFieldSets.get(shape);
  if (known === undefined) {
    known = new Set(Object.keys(shape.fields).map((name) => name.toLowerCase()));
    lowerCaseFieldSets.set(shape, known);
  }
  return known;
}

function walk(value: unknown, shape: FieldShape, path: FieldPath, problems: ProblemCollector): void {
  if (Array.isArray(value)) {
    value.forEach((entry: unknown, index) => walk(entry, shape, path.child(index), problems));
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined) continue;
    if (Object.hasOwn(shape.fields, key)) {
      const inner = shape.fields[key];
      if (inner) walk(entry, inner, path.child(key), problems);
      continue;
    }
    const sameButCase = Object.keys(shape.fields).find((known) => known.toLowerCase() === key.toLowerCase());
    if (shape.listed === 'read' && sameButCase === undefined) continue;
    const meant = sameButCase ?? closeField(key, Object.keys(shape.fields));
    const hint = meant === undefined ? '' : ` (did you mean ${quote(meant)}?)`;
    problems.warning(path.child(key), `unknown field ${quote(key)}${hint}: ignored, so the object is read without it`);
  }
}

/** The known field at edit distance 1 or 2 from `key` (a dropped letter, a swap), if exactly one is. */
function closeField(key: string, known: readonly string[]): string | undefined {
  const close = known.filter((candidate) => editDistance(key.toLowerCase(), candidate.toLowerCase()) <= 2);
  return close.length === 1 ? close[0] : undefined;
}

/** Levenshtein distance, stopping early: only "at most 2" matters here. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
