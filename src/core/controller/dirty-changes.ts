import type { ObjectKind } from '../model/index.js';
import type { ObjectChange } from '../store/change.js';

interface DirtyObject {
  readonly kind: ObjectKind;
  readonly key: string;
  /** Whether the object existed when the planner last read the store. */
  readonly existedBefore: boolean;
  existsAfter: boolean;
  /** When the first change to it since then was marked (clock milliseconds). */
  readonly markedAt: number;
}

/**
 * What {@link DirtyChanges.take} hands to a reconcile.
 *
 * @internal
 */
export interface DirtyWork {
  /** The coalesced changes, one per object, in the order objects were first marked. */
  readonly changes: readonly ObjectChange[];
  /** When the oldest of them was marked (clock milliseconds); undefined when there are none. */
  readonly firstMarkedAt: number | undefined;
}

const EMPTY_WORK: DirtyWork = Object.freeze({ changes: Object.freeze([]), firstMarkedAt: undefined });

function objectRef(kind: ObjectKind, key: string): string {
  return `${kind}\u0000${key}`;
}

/**
 * The objects that changed since a controller's last reconcile: its work queue. Store events
 * only mark objects here; the reconcile takes them all at once and reads their state from the
 * snapshot, so a burst of events costs one reconcile (level-based, as client-go's work queue
 * holds keys, not events).
 *
 * Changes coalesce per kind and key with the store's own rules, over any number of change
 * sets: the first change tells whether the object existed before, the last whether it exists
 * now, so "added then updated" is `added`, "deleted then added" is `updated`, and "added then
 * deleted" is nothing at all (the planner never saw the object and will not see it).
 * @internal
 */
export class DirtyChanges {
  readonly #objects = new Map<string, DirtyObject>();

  /** How many objects are dirty. */
  get size(): number {
    return this.#objects.size;
  }

  /** Marks `changes` as dirty at time `atMs`. */
  mark(changes: Iterable<ObjectChange>, atMs: number): void {
    for (const change of changes) {
      this.#merge({
        kind: change.kind,
        key: change.key,
        existedBefore: change.type !== 'added',
        existsAfter: change.type !== 'deleted',
        markedAt: atMs,
      });
    }
  }

  /** Hands out every dirty object and forgets them. */
  take(): DirtyWork {
    if (this.#objects.size === 0) return EMPTY_WORK;
    const changes: ObjectChange[] = [];
    let firstMarkedAt = Number.POSITIVE_INFINITY;
    for (const object of this.#objects.values()) {
      changes.push({ kind: object.kind, key: object.key, type: changeType(object) });
      firstMarkedAt = Math.min(firstMarkedAt, object.markedAt);
    }
    this.#objects.clear();
    return { changes, firstMarkedAt };
  }

  /**
   * Puts back work taken by a reconcile that did not get to use it (its planner threw). The
   * restored changes are older than anything marked since, so they come first and tell what
   * existed before.
   */
  restore(work: DirtyWork): void {
    if (work.changes.length === 0) return;
    const newer = [...this.#objects.values()];
    this.#objects.clear();
    // Each restored change counts from the oldest one's time: latency errs long, never short.
    this.mark(work.changes, work.firstMarkedAt ?? 0);
    for (const object of newer) this.#merge(object);
  }

  /** Forgets every dirty object (a full replan covers them). */
  clear(): void {
    this.#objects.clear();
  }

  #merge(next: DirtyObject): void {
    const ref = objectRef(next.kind, next.key);
    const known = this.#objects.get(ref);
    if (known === undefined) {
      this.#objects.set(ref, { ...next });
      return;
    }
    known.existsAfter = next.existsAfter;
    // Born and gone between two reconciles: the planner has nothing to undo or to add.
    if (!known.existedBefore && !known.existsAfter) this.#objects.delete(ref);
  }
}

function changeType(object: DirtyObject): ObjectChange['type'] {
  if (object.existedBefore && object.existsAfter) return 'updated';
  return object.existsAfter ? 'added' : 'deleted';
}
