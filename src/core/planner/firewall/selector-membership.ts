import { matchesSelector, selectsEverything, type Pod } from '../../model/index.js';
import { ipFamilyOf } from '../../model/ip-family.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { isPolicyPod } from './policy-pods.js';
import type { SelectorSetDefinition } from './set-definitions.js';

/** The label the API server puts on every namespace, holding its name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * True when `namespace` falls under the set's namespace scope in `snapshot`: the policy's own
 * namespace for a podSelector-only peer; for a namespaceSelector, an empty one takes every
 * namespace (even one with no Namespace object), a non-empty one is matched against the
 * Namespace object's labels plus `kubernetes.io/metadata.name`, which the API server always
 * sets but a manifest may leave out.
 */
export function namespaceInScope(definition: SelectorSetDefinition, namespace: string, snapshot: ClusterSnapshot): boolean {
  if (definition.namespaceSelector === undefined) return namespace === definition.namespace;
  if (selectsEverything(definition.namespaceSelector)) return true;
  const object = snapshot.namespace(namespace);
  if (object === undefined) return false;
  return matchesSelector(definition.namespaceSelector, { [NAMESPACE_NAME_LABEL]: object.name, ...object.labels });
}

/** The addresses `pod` contributes to the set in `snapshot` (none when it is not a member). */
export function memberAddresses(definition: SelectorSetDefinition, pod: Pod | undefined, snapshot: ClusterSnapshot): string[] {
  if (pod === undefined || !isMember(definition, pod, snapshot)) return [];
  return [...new Set(pod.podIPs.filter((ip) => ipFamilyOf(ip) === definition.family))];
}

/**
 * The pods that may be members of the set, through the store's label and namespace indexes
 * (a superset: {@link memberAddresses} or {@link isMember} decides).
 */
export function candidatePods(definition: SelectorSetDefinition, snapshot: ClusterSnapshot): readonly Pod[] {
  if (definition.namespace !== undefined) return snapshot.podsMatching(definition.podSelector, definition.namespace);
  if (definition.namespaceSelector === undefined || selectsEverything(definition.namespaceSelector)) {
    return snapshot.podsMatching(definition.podSelector);
  }
  return snapshot
    .namespaces()
    .filter((namespace) => namespaceInScope(definition, namespace.name, snapshot))
    .flatMap((namespace) => snapshot.podsMatching(definition.podSelector, namespace.name));
}

/** True when `pod` belongs to the set's selection in `snapshot`, whatever its address family. */
export function isMember(definition: SelectorSetDefinition, pod: Pod, snapshot: ClusterSnapshot): boolean {
  return isPolicyPod(pod) && namespaceInScope(definition, pod.namespace, snapshot) && matchesSelector(definition.podSelector, pod.labels);
}
