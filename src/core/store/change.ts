import type { ObjectKind } from '../model/index.js';

/** What happened to one object. */
export type ChangeType = 'added' | 'updated' | 'deleted';

/** One object that changed, named by kind and key (`name` or `namespace/name`). */
export interface ObjectChange {
  readonly kind: ObjectKind;
  readonly key: string;
  readonly type: ChangeType;
}

/**
 * What a batch of events changed. Controllers use it only to decide whether to reconcile and
 * which fragments to re-render; they always read the state itself from the snapshot
 * (level-based, as client-go controllers are).
 */
export interface ChangeSet {
  /** The snapshot generation after these changes. */
  readonly generation: number;
  readonly changes: readonly ObjectChange[];
}

/** Called by the store after every applied batch that changed something. */
export type ChangeListener = (changes: ChangeSet) => void;
