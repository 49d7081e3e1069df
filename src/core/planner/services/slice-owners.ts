import { namespacedKey, type EndpointSlice } from '../../model/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';

/** `namespace/serviceName` of the service a slice names. */
export function ownerOf(slice: EndpointSlice): string {
  return namespacedKey(slice.namespace, slice.serviceName);
}

/**
 * Which service each endpoint slice of the planner's last snapshot named, by slice key.
 *
 * An EndpointSlice change names only the slice. Its old owner must be dirtied too (the slice
 * may have been deleted, or relabelled to another service), and the snapshot has no lookup by
 * slice key, only by service; so the planner remembers the owners it saw. The new version is
 * looked for first among the old owner's slices (the common case: an update in place), and
 * only otherwise by a binary search of the snapshot's sorted slice list.
 *
 * Only looked up by key, never iterated, so its insertion order cannot reach a plan.
 */
export class SliceOwners {
  private owners = new Map<string, string>();

  /** Forgets everything and records every slice of `snapshot` (a full plan). */
  reset(snapshot: ClusterSnapshot): void {
    this.owners = new Map();
    for (const slice of snapshot.endpointSlices()) this.owners.set(slice.key, ownerOf(slice));
  }

  /**
   * Records the slice `key` as it is in `snapshot`.
   *
   * @returns the services it named before and names now (one, both or none; the same service once).
   */
  update(snapshot: ClusterSnapshot, key: string): string[] {
    const before = this.owners.get(key);
    const slice = findSlice(snapshot, key, before);
    const after = slice === undefined ? undefined : ownerOf(slice);
    if (after === undefined) this.owners.delete(key);
    else this.owners.set(key, after);
    const affected: string[] = [];
    if (before !== undefined) affected.push(before);
    if (after !== undefined && after !== before) affected.push(after);
    return affected;
  }
}

function findSlice(snapshot: ClusterSnapshot, key: string, likelyOwner: string | undefined): EndpointSlice | undefined {
  if (likelyOwner !== undefined) {
    const found = snapshot.endpointSlicesForService(likelyOwner).find((slice) => slice.key === key);
    if (found !== undefined) return found;
  }
  return binarySearchByKey(snapshot.endpointSlices(), key);
}

/** The element of `sorted` (by key, code-unit order as every snapshot list) with `key`. */
function binarySearchByKey<T extends { readonly key: string }>(sorted: readonly T[], key: string): T | undefined {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const candidate = sorted[mid] as T;
    if (candidate.key === key) return candidate;
    if (candidate.key < key) low = mid + 1;
    else high = mid;
  }
  return undefined;
}
