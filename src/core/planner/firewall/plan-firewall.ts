import type { FirewallPlan } from '../../plan/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { FirewallPlanner } from './firewall-planner.js';

/**
 * Plans the NetworkPolicy firewall of node `nodeName` in full. Pure and deterministic; the
 * same as `new FirewallPlanner(nodeName).full(snapshot)`, which an agent keeps to replan only
 * what changed. The semantics every backend follows are in `FirewallPlan`'s TSDoc.
 *
 * Covered now (networking.k8s.io/v1):
 * - the pods are this node's pods with an IP that are neither hostNetwork (their IPs are the
 *   node's, so policy on them would act on the node itself) nor finished (Succeeded/Failed:
 *   their IP may be reused); peers are chosen by the same test, on every node;
 * - a pod is isolated in a direction by each policy of its namespace whose `podSelector`
 *   matches it and whose effective `policyTypes` (explicit, or inferred by the store) name
 *   that direction; a pod no policy selects is listed, isolated in neither direction;
 * - the plan's policies are those selecting at least one local pod, with rules only for the
 *   directions they isolate;
 * - peers: podSelector alone (policy's namespace), namespaceSelector alone (all pods of the
 *   matching namespaces), both (AND), ipBlock with `except`; several peers are ORed; a rule
 *   without peers matches any peer. Peers become named sets (`peerSets`) whose ids follow from
 *   the peer's meaning, shared by every rule with the same peer, one per family;
 * - ports: numeric with `endPort` (inclusive), protocol-only, and named ports resolved per
 *   destination pod (ingress: the policy's local targets; egress: the pods the peers cover)
 *   into sets of their own; a named port nothing declares matches nothing, and a rule whose
 *   ports all resolve to nothing allows nothing;
 * - IPv4 and IPv6 throughout, with the family on every address and set.
 *
 * Not yet: AdminNetworkPolicy and BaselineAdminNetworkPolicy. The default-deny and
 * established-connection rules are the backends' (see `FirewallPlan`).
 */
export function planFirewall(snapshot: ClusterSnapshot, nodeName: string): FirewallPlan {
  return new FirewallPlanner(nodeName).full(snapshot);
}
