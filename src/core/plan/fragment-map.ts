import { isDeepStrictEqual } from 'node:util';
import { SortedTable, SortedView } from '../store/sorted-table.js';

/**
 * The keyed fragments of a plan (service ports, policies, peer sets, pods, routes, tunnels):
 * an immutable map sorted by key whose versions share structure.
 *
 * A planner builds each plan from the previous one, replacing only the fragments it replanned
 * and keeping the very same object for every fragment that did not change. So a backend finds
 * what changed since the plan it last programmed with `FragmentMap.diff`, in time
 * proportional to the change, and never needs to compare or copy the whole plan. Fragments
 * are deep-frozen plain data; `JSON.stringify` prints a map as the array of its values.
 */
export type FragmentMap<V> = SortedView<V>;

/** A fragment map with `entries`, for plans built by hand (tests, custom planners). */
export function fragmentMap<V>(entries: Iterable<readonly [string, V]>): FragmentMap<V> {
  const table = new SortedTable<V>();
  for (const [key, value] of entries) {
    if (table.get(key) !== undefined) throw new Error(`duplicate fragment key "${key}"`);
    table.set(key, value);
  }
  return table.view();
}

/** A fragment map of `values`, each under the key `keyOf` gives it. */
export function fragmentMapOf<V>(values: Iterable<V>, keyOf: (value: V) => string): FragmentMap<V> {
  const entries: [string, V][] = [];
  for (const value of values) entries.push([keyOf(value), value]);
  return fragmentMap(entries);
}

/** The empty fragment map. */
export function emptyFragmentMap<V>(): FragmentMap<V> {
  return new SortedTable<V>().view();
}

/**
 * What changed between two versions of a plan's fragments, by key: what a backend writes
 * (`changed`, added ones included) and what it deletes (`removed`).
 */
export interface FragmentChanges {
  readonly changed: readonly string[];
  readonly removed: readonly string[];
  /**
   * Keys whose fragment is another object than before: `changed` plus fragments rebuilt with
   * equal content. What a holder of the plan has not seen yet (the mocks freeze these).
   */
  readonly replaced: readonly string[];
}

/**
 * The fragments of `next` that differ from `previous` (every one when there is no previous):
 * `FragmentMap.diff` finds the candidates through shared structure, and a candidate whose value
 * is deep-equal to the previous one (a plan built anew by hand with the same content) is not a
 * change. For plans an incremental planner made from one another the cost is proportional to
 * the change; for two unrelated maps it is proportional to their size.
 */
export function fragmentChanges<V>(previous: FragmentMap<V> | undefined, next: FragmentMap<V>): FragmentChanges {
  const diff = next.diff(previous);
  if (previous === undefined) return { ...diff, replaced: diff.changed };
  const changed = diff.changed.filter((key) => {
    const before = previous.get(key);
    return before === undefined || !isDeepStrictEqual(before, next.get(key));
  });
  return { changed, removed: diff.removed, replaced: diff.changed };
}
