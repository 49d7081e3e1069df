import {
  SELECT_ALL,
  matchesSelector,
  selectsEverything,
  type LabelSelector,
  type NetworkPolicy,
  type NetworkPolicyPeer,
  type Pod,
} from '../../model/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { isPolicyPod } from './policy-pods.js';

/** The label the API server puts on every namespace, holding its name. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * The pods a peer's selectors select (an ipBlock peer selects none):
 *
 * - `podSelector` alone: matching pods in the policy's namespace;
 * - `namespaceSelector` alone: every pod of the matching namespaces;
 * - both: matching pods in matching namespaces (AND, not OR).
 *
 * Only pods policy applies to count (see `isPolicyPod`). An empty `namespaceSelector` selects
 * pods of every namespace, even one without a Namespace object in the snapshot; a non-empty
 * one is matched against the Namespace objects' labels, plus `kubernetes.io/metadata.name`,
 * which the API server always sets but a manifest may leave out.
 */
export function selectPeerPods(snapshot: ClusterSnapshot, policy: NetworkPolicy, peer: NetworkPolicyPeer): Pod[] {
  const { podSelector, namespaceSelector } = peer;
  if (namespaceSelector === undefined) {
    if (podSelector === undefined) return [];
    return snapshot.podsMatching(podSelector, policy.namespace).filter(isPolicyPod);
  }
  const pods = podSelector ?? SELECT_ALL;
  if (selectsEverything(namespaceSelector)) return snapshot.podsMatching(pods).filter(isPolicyPod);
  return matchingNamespaces(snapshot, namespaceSelector).flatMap((namespace) =>
    snapshot.podsMatching(pods, namespace).filter(isPolicyPod),
  );
}

function matchingNamespaces(snapshot: ClusterSnapshot, selector: LabelSelector): string[] {
  return snapshot
    .namespaces()
    .filter((namespace) =>
      matchesSelector(selector, { [NAMESPACE_NAME_LABEL]: namespace.name, ...namespace.labels }),
    )
    .map((namespace) => namespace.name);
}
