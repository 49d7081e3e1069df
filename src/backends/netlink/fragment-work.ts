import type { FragmentMap } from '../../core/plan/fragment-map.js';

/** One fragment to write: its key, the value wanted, and the value programmed before, if any. */
export interface ChangedFragment<V> {
  readonly key: string;
  readonly value: V;
  readonly previous?: V | undefined;
}

/** One fragment to remove: its key and the value programmed before. */
export interface RemovedFragment<V> {
  readonly key: string;
  readonly previous: V;
}

/** What a sync must do with one fragment map. */
export interface FragmentWork<V> {
  readonly changed: readonly ChangedFragment<V>[];
  readonly removed: readonly RemovedFragment<V>[];
  /** Fragments of the new map left as they are. */
  readonly unchanged: number;
}

/**
 * The fragments of `next` to write and those of `previous` to remove. `FragmentMap.diff`
 * finds the candidates in time proportional to the change (a planner keeps the very object of
 * every fragment it did not replan); a candidate whose content equals the programmed one (a
 * plan rebuilt from scratch, a fragment replanned to the same value) is not written again.
 */
export function fragmentWork<V>(next: FragmentMap<V>, previous: FragmentMap<V> | undefined): FragmentWork<V> {
  const { changed: changedKeys, removed: removedKeys } = next.diff(previous);
  const changed: ChangedFragment<V>[] = [];
  for (const key of changedKeys) {
    const value = next.get(key) as V;
    const before = previous?.get(key);
    if (before !== undefined && samePlainData(before, value)) continue;
    changed.push({ key, value, previous: before });
  }
  const removed = removedKeys.map((key) => ({ key, previous: previous?.get(key) as V }));
  return { changed, removed, unchanged: next.size - changed.length };
}

/**
 * Structural equality of plan data (objects, arrays, strings, numbers, booleans), where a
 * property holding `undefined` equals an absent one, as both render the same.
 */
export function samePlainData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => samePlainData(item, b[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) {
    if (!samePlainData(left[key], right[key])) return false;
  }
  return true;
}
