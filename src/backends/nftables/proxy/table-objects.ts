/**
 * What a rendered service port puts into the table, as separate objects so a sync can diff them:
 * a named set (an affinity set), a chain with its rules, or an element of a set or map.
 */
export type TableObject =
  | { readonly kind: 'set'; readonly name: string; readonly declaration: string }
  | { readonly kind: 'chain'; readonly name: string; readonly rules: readonly string[] }
  | { readonly kind: 'element'; readonly container: string; readonly key: string; readonly value?: string | undefined };

/** The identity of an object: two objects with one id are the same table object. */
export function objectId(object: TableObject): string {
  switch (object.kind) {
    case 'set':
      return `s\0${object.name}`;
    case 'chain':
      return `c\0${object.name}`;
    case 'element':
      return `e\0${object.container}\0${object.key}`;
  }
}

/** The content of an object: same id and same body means nothing to write. */
export function objectBody(object: TableObject): string {
  switch (object.kind) {
    case 'set':
      return object.declaration;
    case 'chain':
      return object.rules.join('\n');
    case 'element':
      return object.value ?? '';
  }
}

/** One programmed object and how many service ports use it (shared balancer chains, hairpin pairs). */
export interface StoredObject {
  readonly object: TableObject;
  readonly refs: number;
}

/** What one sync changes, by object: added, rewritten (same id, new body) and removed ones. */
export interface ObjectChanges {
  readonly added: readonly TableObject[];
  readonly rewritten: readonly { readonly before: TableObject; readonly after: TableObject }[];
  readonly removed: readonly TableObject[];
}

/**
 * Objects by identity without a joined id string per element: elements by container, then key;
 * sets and chains by kind and name. A full table holds about ten elements per service port, so
 * this is most of what the backend remembers.
 */
class ObjectIndex<V> {
  readonly #elements = new Map<string, Map<string, V>>();
  readonly #named = new Map<string, V>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(object: TableObject): V | undefined {
    return object.kind === 'element' ? this.#elements.get(object.container)?.get(object.key) : this.#named.get(namedId(object));
  }

  set(object: TableObject, value: V): void {
    let map: Map<string, V>;
    let key: string;
    if (object.kind === 'element') {
      let container = this.#elements.get(object.container);
      if (container === undefined) this.#elements.set(object.container, (container = new Map()));
      map = container;
      key = object.key;
    } else {
      map = this.#named;
      key = namedId(object);
    }
    if (!map.has(key)) this.#size++;
    map.set(key, value);
  }

  delete(object: TableObject): void {
    const map = object.kind === 'element' ? this.#elements.get(object.container) : this.#named;
    if (map?.delete(object.kind === 'element' ? object.key : namedId(object))) this.#size--;
  }

  /** Sets and chains in insertion order, then each container's elements in insertion order. */
  *values(): IterableIterator<V> {
    yield* this.#named.values();
    for (const container of this.#elements.values()) yield* container.values();
  }
}

function namedId(object: Extract<TableObject, { kind: 'set' | 'chain' }>): string {
  return object.kind === 'set' ? `s${object.name}` : `c${object.name}`;
}

/**
 * The objects programmed in the kernel with their reference counts. A sync computes its changes
 * on an overlay ({@link ObjectStore.stage}) and commits it only once the kernel accepted the
 * transaction, so a rejected sync leaves the store equal to the kernel.
 */
export class ObjectStore {
  #objects = new ObjectIndex<StoredObject>();

  /** Every stored object: sets and chains, then elements by container. */
  objects(): TableObject[] {
    return [...this.#objects.values()].map((stored) => stored.object);
  }

  /** The objects the store would hold after committing `staged` (for a full rewrite of an empty store). */
  objectsOf(staged: StagedObjects): TableObject[] {
    return staged.changes.added.slice();
  }

  /** How many objects are stored. */
  get size(): number {
    return this.#objects.size;
  }

  /** Forgets everything (after cleanup, or before a full rewrite). */
  clear(): void {
    this.#objects = new ObjectIndex();
  }

  /**
   * The changes of replacing everything stored with `taken` (a full rewrite, which recreates the
   * table): every distinct object is added, the last copy of a duplicate at the place of the
   * first, and everything stored before counts as removed. Built straight into the index that
   * {@link StagedObjects.commit} installs, without an overlay.
   */
  stageAll(taken: readonly TableObject[]): StagedObjects {
    const next = new ObjectIndex<StoredObject>();
    for (const object of taken) next.set(object, { object, refs: (next.get(object)?.refs ?? 0) + 1 });
    const added: TableObject[] = [];
    for (const stored of next.values()) added.push(stored.object);
    const removed = this.objects();
    return {
      changes: { added, rewritten: [], removed },
      commit: () => {
        this.#objects = next;
      },
    };
  }

  /**
   * The changes of replacing the objects `released` (by the service ports that changed or left)
   * with `taken` (by those that changed or arrived), and the overlay to commit.
   */
  stage(released: readonly TableObject[], taken: readonly TableObject[]): StagedObjects {
    // The overlay is as small as the change; it keeps first-touch order, which orders the commands.
    const overlay = new Map<string, { readonly target: TableObject; readonly next: StoredObject | undefined }>();
    const current = (id: string, object: TableObject) => {
      const staged = overlay.get(id);
      return staged !== undefined ? staged.next : this.#objects.get(object);
    };
    for (const object of released) {
      const id = objectId(object);
      const stored = current(id, object);
      if (stored === undefined) continue;
      overlay.set(id, { target: object, next: stored.refs <= 1 ? undefined : { object: stored.object, refs: stored.refs - 1 } });
    }
    for (const object of taken) {
      const id = objectId(object);
      const stored = current(id, object);
      overlay.set(id, { target: object, next: { object, refs: (stored?.refs ?? 0) + 1 } });
    }
    const added: TableObject[] = [];
    const removed: TableObject[] = [];
    const rewritten: { before: TableObject; after: TableObject }[] = [];
    for (const { target, next } of overlay.values()) {
      const before = this.#objects.get(target)?.object;
      if (before === undefined && next !== undefined) added.push(next.object);
      else if (before !== undefined && next === undefined) removed.push(before);
      else if (before !== undefined && next !== undefined && objectBody(before) !== objectBody(next.object)) {
        rewritten.push({ before, after: next.object });
      }
    }
    return { changes: { added, rewritten, removed }, commit: () => this.#commit(overlay) };
  }

  #commit(overlay: Map<string, { readonly target: TableObject; readonly next: StoredObject | undefined }>): void {
    for (const { target, next } of overlay.values()) {
      if (next === undefined) this.#objects.delete(target);
      else this.#objects.set(target, next);
    }
  }
}

/** Changes computed on an overlay, and the step that makes them the store's. */
export interface StagedObjects {
  readonly changes: ObjectChanges;
  readonly commit: () => void;
}
