import type { ChangedObjects } from '../common/changed-objects.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import type { SliceOwners } from './slice-owners.js';

/** What a set of object changes dirties in a proxy plan. */
export interface DirtyServiceFragments {
  /** Services (`namespace/name`) whose port plans must be replanned, sorted. */
  readonly services: readonly string[];
  /** True when the plan-wide settings must be resolved again. */
  readonly settings: boolean;
}

/**
 * The service proxy's fragment index: which services' port plans and whether the settings an
 * object change can alter, from what a port plan and the settings read.
 *
 * - A Service: that service (its old ports no longer present are deleted by the replan, which
 *   covers the key range `namespace/name:`).
 * - An EndpointSlice: the service its previous version named and the one its current version
 *   names (a slice relabelled to another service changes both). `owners` holds the previous
 *   names and is brought up to date with `snapshot` here.
 * - This node: the settings only (its addresses); endpoints are local by `nodeName`, which does
 *   not need the node object, so no port plan reads it.
 * - Anything else (pods, namespaces, policies, other nodes): nothing; no port plan reads them.
 *
 * @returns the dirty services, sorted so replanning runs in a deterministic order.
 */
export function dirtyServiceFragments(
  changed: ChangedObjects,
  snapshot: ClusterSnapshot,
  owners: SliceOwners,
  nodeName: string,
): DirtyServiceFragments {
  const services = new Set<string>(changed.Service);
  for (const sliceKey of changed.EndpointSlice) {
    for (const service of owners.update(snapshot, sliceKey)) services.add(service);
  }
  return { services: [...services].sort(), settings: changed.Node.has(nodeName) };
}
