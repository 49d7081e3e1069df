import type { NetworkPolicy, NetworkPolicyPeer, Pod } from '../../model/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { candidatePods, isMember } from './selector-membership.js';
import { selectorSetsOf } from './set-definitions.js';

/**
 * The pods a peer's selectors select (an ipBlock peer selects none), the same selection as
 * the peer's sets (see `namespaceInScope` for how namespaceSelectors are matched):
 *
 * - `podSelector` alone: matching pods in the policy's namespace;
 * - `namespaceSelector` alone: every pod of the matching namespaces;
 * - both: matching pods in matching namespaces (AND, not OR).
 *
 * Only pods policy applies to count (see `isPolicyPod`).
 */
export function selectPeerPods(snapshot: ClusterSnapshot, policy: NetworkPolicy, peer: NetworkPolicyPeer): Pod[] {
  if (peer.podSelector === undefined && peer.namespaceSelector === undefined) return [];
  // The family does not matter for which pods a peer takes: either set's definition will do.
  const [definition] = selectorSetsOf(policy, peer);
  if (definition === undefined) return [];
  return candidatePods(definition, snapshot).filter((pod) => isMember(definition, pod, snapshot));
}
