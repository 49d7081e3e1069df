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
 * The objects programmed in the kernel with their reference counts. A sync computes its changes
 * on an overlay ({@link ObjectStore.stage}) and commits it only once the kernel accepted the
 * transaction, so a rejected sync leaves the store equal to the kernel.
 */
export class ObjectStore {
  #objects = new Map<string, StoredObject>();

  /** Every stored object, in insertion order. */
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
    this.#objects.clear();
  }

  /**
   * The changes of replacing the objects `released` (by the service ports that changed or left)
   * with `taken` (by those that changed or arrived), and the overlay to commit.
   */
  stage(released: readonly TableObject[], taken: readonly TableObject[]): StagedObjects {
    const overlay = new Map<string, StoredObject | undefined>();
    const current = (id: string) => (overlay.has(id) ? overlay.get(id) : this.#objects.get(id));
    for (const object of released) {
      const id = objectId(object);
      const stored = current(id);
      if (stored === undefined) continue;
      overlay.set(id, stored.refs <= 1 ? undefined : { object: stored.object, refs: stored.refs - 1 });
    }
    for (const object of taken) {
      const id = objectId(object);
      const stored = current(id);
      overlay.set(id, { object, refs: (stored?.refs ?? 0) + 1 });
    }
    const added: TableObject[] = [];
    const removed: TableObject[] = [];
    const rewritten: { before: TableObject; after: TableObject }[] = [];
    for (const [id, next] of overlay) {
      const before = this.#objects.get(id)?.object;
      if (before === undefined && next !== undefined) added.push(next.object);
      else if (before !== undefined && next === undefined) removed.push(before);
      else if (before !== undefined && next !== undefined && objectBody(before) !== objectBody(next.object)) {
        rewritten.push({ before, after: next.object });
      }
    }
    return { changes: { added, rewritten, removed }, commit: () => this.#commit(overlay) };
  }

  #commit(overlay: Map<string, StoredObject | undefined>): void {
    for (const [id, next] of overlay) {
      if (next === undefined) this.#objects.delete(id);
      else this.#objects.set(id, next);
    }
  }
}

/** Changes computed on an overlay, and the step that makes them the store's. */
export interface StagedObjects {
  readonly changes: ObjectChanges;
  readonly commit: () => void;
}
