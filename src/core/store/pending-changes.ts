import type { ObjectChange } from './change.js';
import type { ObjectKind } from '../model/index.js';

interface Touched {
  readonly kind: ObjectKind;
  readonly key: string;
  readonly existedBefore: boolean;
  existsAfter: boolean;
}

/**
 * What one batch changed, coalesced per object: the first touch remembers whether the object
 * existed before the batch, the last one whether it exists after, so "added then updated"
 * is one `added`, "added then deleted" is nothing, and "deleted then added" is `updated`.
 */
export class PendingChanges {
  private readonly touched = new Map<string, Touched>();
  private problemsChanged = false;

  /**
   * Records a change to one object.
   *
   * @param ref `kind NUL key` (see `objectRef`), when the caller has it already
   */
  touch(kind: ObjectKind, key: string, existedBefore: boolean, existsAfter: boolean, ref = `${kind}\u0000${key}`): void {
    const known = this.touched.get(ref);
    if (known) known.existsAfter = existsAfter;
    else this.touched.set(ref, { kind, key, existedBefore, existsAfter });
  }

  /** Records that the problem list changed (it is part of the snapshot, so it is a change). */
  markProblemsChanged(): void {
    this.problemsChanged = true;
  }

  /**
   * The coalesced changes, in the order objects were first touched, and whether anything at
   * all changed (problems included). Clears the record.
   */
  drain(): { readonly changes: ObjectChange[]; readonly changed: boolean } {
    const changes: ObjectChange[] = [];
    for (const { kind, key, existedBefore, existsAfter } of this.touched.values()) {
      if (existedBefore && existsAfter) changes.push({ kind, key, type: 'updated' });
      else if (existsAfter) changes.push({ kind, key, type: 'added' });
      else if (existedBefore) changes.push({ kind, key, type: 'deleted' });
    }
    const changed = changes.length > 0 || this.problemsChanged;
    this.touched.clear();
    this.problemsChanged = false;
    return { changes, changed };
  }
}
