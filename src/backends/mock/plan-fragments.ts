import { BackendError } from '../../core/errors.js';

/** One keyed piece of a plan: the unit a backend renders, and counts in a `SyncReport`. */
export type PlanFragment = readonly [key: string, value: unknown];

/**
 * A stable text form of a plain value: object keys sorted and `undefined` properties dropped,
 * so two plans that differ only in key order or in an absent-versus-undefined optional field
 * compare equal, as they would once rendered into rules.
 */
export function fingerprint(value: unknown): string {
  return JSON.stringify(value, (_key, field: unknown) => {
    if (field === null || typeof field !== 'object' || Array.isArray(field)) return field;
    const entries = Object.entries(field).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  });
}

/**
 * Fingerprints every fragment by key. A plan whose fragments share a key is malformed (two
 * service ports with one key would overwrite each other in any backend), so it is rejected
 * before anything is programmed.
 */
export function fingerprintFragments(fragments: Iterable<PlanFragment>): Map<string, string> {
  const fingerprints = new Map<string, string>();
  for (const [key, value] of fragments) {
    if (fingerprints.has(key)) {
      throw new BackendError('mock', ['sync'], undefined, '', `duplicate fragment key "${key}"`);
    }
    fingerprints.set(key, fingerprint(value));
  }
  return fingerprints;
}

/** How one sync's fragments compare with the previously programmed ones. */
export interface FragmentDiff {
  /** Fragments added or modified. */
  readonly changed: number;
  readonly removed: number;
  readonly unchanged: number;
}

/**
 * Counts what a sync changes. With no previous state (first sync, after cleanup, or after a
 * change of plan-wide settings) every fragment counts as changed.
 */
export function diffFragments(
  previous: ReadonlyMap<string, string> | undefined,
  next: ReadonlyMap<string, string>,
): FragmentDiff {
  let changed = 0;
  let unchanged = 0;
  for (const [key, print] of next) {
    if (previous?.get(key) === print) unchanged++;
    else changed++;
  }
  let removed = 0;
  for (const key of previous?.keys() ?? []) {
    if (!next.has(key)) removed++;
  }
  return { changed, removed, unchanged };
}
