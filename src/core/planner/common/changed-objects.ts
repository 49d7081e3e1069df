import type { ObjectKind } from '../../model/index.js';
import type { ObjectChange } from '../../store/change.js';

/**
 * The keys of the objects that changed, per kind, each key once: what an incremental planner
 * walks. Change sets accumulated over several store batches may name an object several times
 * (added, then updated); the planner only needs to know that it may differ between its last
 * snapshot and the current one, and reads both versions itself.
 */
export type ChangedObjects = Readonly<Record<ObjectKind, ReadonlySet<string>>>;

/** Groups `changes` by kind, deduplicating keys. */
export function changedObjects(changes: Iterable<ObjectChange>): ChangedObjects {
  const grouped: Record<ObjectKind, Set<string>> = {
    Node: new Set(),
    Namespace: new Set(),
    Pod: new Set(),
    Service: new Set(),
    EndpointSlice: new Set(),
    NetworkPolicy: new Set(),
  };
  for (const change of changes) grouped[change.kind].add(change.key);
  return grouped;
}
