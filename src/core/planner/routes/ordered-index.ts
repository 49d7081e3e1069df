import { SortedTable } from '../../store/sorted-table.js';

/**
 * A string-keyed map kept in key order, for the route planner's ownership indexes: lookups,
 * prefix scans that stop at the first hit, and ordered output, on the store's sorted table
 * (a B+ tree: O(log n) per insert or delete, never a sort).
 */
export class OrderedIndex<V> {
  private table = new SortedTable<V>();

  get size(): number {
    return this.table.size;
  }

  get(key: string): V | undefined {
    return this.table.get(key);
  }

  /** Stores `value` under `key`. */
  set(key: string, value: V): void {
    this.table.set(key, value);
  }

  /** Removes `key`; true when it was there. */
  delete(key: string): boolean {
    return this.table.delete(key) !== undefined;
  }

  /** Empties the index. */
  clear(): void {
    this.table = new SortedTable<V>();
  }

  /** True when `test` holds for some entry whose key starts with `prefix`, visited in key order. */
  someWithPrefix(prefix: string, test: (key: string, value: V) => boolean): boolean {
    for (const [key, value] of this.table.view().entriesWithPrefix(prefix)) {
      if (test(key, value)) return true;
    }
    return false;
  }

  /** `project` of every value, in key order: one pass, one fresh array. */
  mapInOrder<T>(project: (value: V) => T): T[] {
    return this.table.view().values().map(project);
  }

  /** Every value, in key order. */
  values(): IterableIterator<V> {
    return this.table.view().values()[Symbol.iterator]();
  }
}
