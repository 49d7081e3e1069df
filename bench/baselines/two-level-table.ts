/**
 * The two-level copy-on-write table the store used before it moved to sorted-btree, kept only
 * so that bench/sorted-table-vs-btree.ts can show why it moved. Not used by the library.
 *
 * A sorted string-keyed map with cheap immutable views.
 *
 * Why not a `Map` copied per snapshot: with 150,000 pods, copying the pod map (and its
 * indexes) after every single pod event costs tens of milliseconds and as many megabytes of
 * garbage. Why not a hash trie: the snapshot must list objects sorted by key, and namespace or
 * label lookups are prefix ranges of sorted keys, so a sorted structure answers both at once.
 *
 * The structure is a two-level B+ tree: a root holding up to a few thousand leaves, each leaf a
 * pair of parallel sorted arrays (keys, values) of at most `MAX_LEAF` entries. It is
 * persistent through ownership (the "transient" technique of Clojure's collections): every
 * node records the owner token that created it; a table mutates a node in place only when the
 * node carries the table's current token, and otherwise copies it first. {@link SortedTable.view}
 * hands out the current root and changes the token, so nodes reachable from any view are never
 * written again. One change after a view therefore copies one leaf and the root's leaf array:
 * O(MAX_LEAF + n / MAX_LEAF) pointer copies, about 1,500 for 150,000 entries, instead of n.
 *
 * Keys compare with JavaScript's `<` (UTF-16 code units), which is the order every snapshot
 * list promises.
 *
 * @module
 */

/** Entries per leaf before it splits. 256 keeps both a leaf copy and the root copy small. */
const MAX_LEAF = 256;

interface Leaf<V> {
  owner: object;
  keys: string[];
  values: V[];
}

interface Root<V> {
  owner: object;
  leaves: Leaf<V>[];
  /** `firstKeys[i]` is `leaves[i].keys[0]`, for the binary search over leaves. */
  firstKeys: string[];
  size: number;
}

/** Index of the first element of sorted `keys` that is `>= key` (keys.length when none). */
function lowerBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((keys[mid] as string) < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The leaf that holds `key` or would receive it: the last leaf whose first key is <= key. */
/** The value stored under `key` in the tree at `root`, if any. */
function lookup<V>(root: Root<V>, key: string): V | undefined {
  if (root.leaves.length === 0) return undefined;
  const leaf = root.leaves[leafIndexFor(root, key)] as Leaf<V>;
  const index = lowerBound(leaf.keys, key);
  return leaf.keys[index] === key ? leaf.values[index] : undefined;
}

function leafIndexFor<V>(root: Root<V>, key: string): number {
  const index = lowerBound(root.firstKeys, key);
  if (index < root.firstKeys.length && root.firstKeys[index] === key) return index;
  return Math.max(0, index - 1);
}

/**
 * An immutable, sorted view of a {@link SortedTable} at one moment. Reads are O(log n);
 * {@link SortedView.values} is O(n) once and cached.
 */
export class SortedView<V> {
  private cachedValues: readonly V[] | undefined;

  /** @internal Views are made by {@link SortedTable.view}. */
  constructor(private readonly root: Root<V>) {}

  /** Number of entries. */
  get size(): number {
    return this.root.size;
  }

  /** The value stored under `key`, if any. */
  get(key: string): V | undefined {
    return lookup(this.root, key);
  }

  /** True when `key` is present. */
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Every value, in key order. The array is frozen and shared by later calls. */
  values(): readonly V[] {
    if (this.cachedValues === undefined) {
      const all: V[] = new Array<V>(this.root.size);
      let position = 0;
      for (const leaf of this.root.leaves) {
        for (const value of leaf.values) all[position++] = value;
      }
      this.cachedValues = Object.freeze(all);
    }
    return this.cachedValues;
  }

  /** Values whose keys start with `prefix`, in key order (a range scan, not a full scan). */
  valuesWithPrefix(prefix: string): V[] {
    const result: V[] = [];
    this.forEachWithPrefix(prefix, (_key, value) => {
      result.push(value);
    });
    return result;
  }

  /** Calls `visit` for each entry whose key starts with `prefix`, in key order. */
  forEachWithPrefix(prefix: string, visit: (key: string, value: V) => void): void {
    const root = this.root;
    if (root.leaves.length === 0) return;
    for (let leafIndex = leafIndexFor(root, prefix); leafIndex < root.leaves.length; leafIndex++) {
      const leaf = root.leaves[leafIndex] as Leaf<V>;
      for (let index = lowerBound(leaf.keys, prefix); index < leaf.keys.length; index++) {
        const key = leaf.keys[index] as string;
        if (!key.startsWith(prefix)) return;
        visit(key, leaf.values[index] as V);
      }
    }
  }

  /**
   * How many keys differ from `previous` (values by identity), skipping the leaves both share:
   * a pass over the leaf arrays and the unshared leaves' entries.
   */
  diffCount(previous: SortedView<V>): number {
    const shared = new Set<Leaf<V>>(previous.root.leaves);
    let count = 0;
    for (const leaf of this.root.leaves) {
      if (shared.has(leaf)) continue;
      for (let index = 0; index < leaf.keys.length; index++) {
        if (lookup(previous.root, leaf.keys[index] as string) !== leaf.values[index]) count++;
      }
    }
    const mine = new Set<Leaf<V>>(this.root.leaves);
    for (const leaf of previous.root.leaves) {
      if (mine.has(leaf)) continue;
      for (const key of leaf.keys) if (lookup(this.root, key) === undefined) count++;
    }
    return count;
  }

  /** Every entry in key order. */
  *entries(): IterableIterator<[string, V]> {
    for (const leaf of this.root.leaves) {
      for (let index = 0; index < leaf.keys.length; index++) {
        yield [leaf.keys[index] as string, leaf.values[index] as V];
      }
    }
  }
}

/**
 * The mutable handle of a sorted map whose {@link SortedTable.view | views} are immutable and
 * share structure with it (see the module comment for the copy-on-write scheme).
 */
export class SortedTable<V> {
  private owner: object = {};
  private root: Root<V> = { owner: this.owner, leaves: [], firstKeys: [], size: 0 };
  private lastView: SortedView<V> | undefined;

  /** Number of entries. */
  get size(): number {
    return this.root.size;
  }

  /** The value stored under `key`, if any. */
  get(key: string): V | undefined {
    return lookup(this.root, key);
  }

  /** Stores `value` under `key`; returns the value it replaced. */
  set(key: string, value: V): V | undefined {
    const root = this.writableRoot();
    if (root.leaves.length === 0) {
      root.leaves.push({ owner: this.owner, keys: [key], values: [value] });
      root.firstKeys.push(key);
      root.size = 1;
      return undefined;
    }
    const leafIndex = leafIndexFor(root, key);
    const leaf = this.writableLeaf(root, leafIndex);
    const index = lowerBound(leaf.keys, key);
    if (leaf.keys[index] === key) {
      const previous = leaf.values[index];
      leaf.values[index] = value;
      return previous;
    }
    leaf.keys.splice(index, 0, key);
    leaf.values.splice(index, 0, value);
    root.size++;
    if (index === 0) root.firstKeys[leafIndex] = key;
    if (leaf.keys.length > MAX_LEAF) this.split(root, leafIndex, leaf);
    return undefined;
  }

  /** Removes `key`; returns the value it held. */
  delete(key: string): V | undefined {
    if (this.get(key) === undefined) return undefined;
    const root = this.writableRoot();
    const leafIndex = leafIndexFor(root, key);
    const leaf = this.writableLeaf(root, leafIndex);
    const index = lowerBound(leaf.keys, key);
    const previous = leaf.values[index];
    leaf.keys.splice(index, 1);
    leaf.values.splice(index, 1);
    root.size--;
    if (leaf.keys.length === 0) {
      // Empty leaves are dropped; half-empty ones are kept, which bounds waste without the
      // bookkeeping of merging (a store's tables mostly grow or churn in place).
      root.leaves.splice(leafIndex, 1);
      root.firstKeys.splice(leafIndex, 1);
    } else if (index === 0) {
      root.firstKeys[leafIndex] = leaf.keys[0] as string;
    }
    return previous;
  }

  /**
   * An immutable view of the current content. Cheap: it takes the root as it is and makes
   * every later write copy the nodes it touches. Two calls without a write in between return
   * the same view.
   */
  view(): SortedView<V> {
    if (this.lastView === undefined || this.root.owner === this.owner) {
      this.lastView = new SortedView(this.root);
      this.owner = {};
    }
    return this.lastView;
  }

  private writableRoot(): Root<V> {
    if (this.root.owner !== this.owner) {
      const old = this.root;
      this.root = { owner: this.owner, leaves: old.leaves.slice(), firstKeys: old.firstKeys.slice(), size: old.size };
    }
    return this.root;
  }

  private writableLeaf(root: Root<V>, leafIndex: number): Leaf<V> {
    const leaf = root.leaves[leafIndex] as Leaf<V>;
    if (leaf.owner === this.owner) return leaf;
    const copy: Leaf<V> = { owner: this.owner, keys: leaf.keys.slice(), values: leaf.values.slice() };
    root.leaves[leafIndex] = copy;
    return copy;
  }

  private split(root: Root<V>, leafIndex: number, leaf: Leaf<V>): void {
    const half = leaf.keys.length >>> 1;
    const right: Leaf<V> = {
      owner: this.owner,
      keys: leaf.keys.splice(half),
      values: leaf.values.splice(half),
    };
    root.leaves.splice(leafIndex + 1, 0, right);
    root.firstKeys.splice(leafIndex + 1, 0, right.keys[0] as string);
  }
}
