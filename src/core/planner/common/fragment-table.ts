import { isDeepStrictEqual } from 'node:util';
import type { FragmentMap } from '../../plan/fragment-map.js';
import { SortedTable } from '../../store/sorted-table.js';
import { deepFreeze } from '../../util/deep-freeze.js';

/**
 * The mutable side of one of a plan's fragment maps, kept by an incremental planner between
 * plans. {@link FragmentTable.put} keeps the previous object when the replanned fragment is
 * deep-equal to it, so consecutive plans share every fragment that did not change and
 * `FragmentMap.diff` reports exactly the changed ones. Stored fragments are deep-frozen: plans
 * are shared with backends and mocks, which must be able to keep them without copying.
 */
export class FragmentTable<V> {
  private table = new SortedTable<V>();

  /** The fragment under `key` in the table now. */
  get(key: string): V | undefined {
    return this.table.get(key);
  }

  /** Stores `value` under `key` unless an equal fragment is already there; true when it changed. */
  put(key: string, value: V): boolean {
    const previous = this.table.get(key);
    if (previous !== undefined && (previous === value || isDeepStrictEqual(previous, value))) return false;
    this.table.set(key, deepFreeze(value));
    return true;
  }

  /** Removes the fragment under `key`; true when there was one. */
  delete(key: string): boolean {
    return this.table.delete(key) !== undefined;
  }

  /** Keys starting with `prefix`, in order (a range scan). */
  keysWithPrefix(prefix: string): string[] {
    const keys: string[] = [];
    this.table.view().forEachWithPrefix(prefix, (key) => keys.push(key));
    return keys;
  }

  /** Number of fragments. */
  get size(): number {
    return this.table.size;
  }

  /** The fragments now, as an immutable map sharing structure with earlier ones. */
  view(): FragmentMap<V> {
    return this.table.view();
  }

  /** Forgets every fragment (the next view diffs as all-new against an earlier one). */
  clear(): void {
    this.table = new SortedTable<V>();
  }
}
