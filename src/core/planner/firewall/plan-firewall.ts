import { ipFamilyOf } from '../../model/ip-family.js';
import { matchesSelector, type IPFamily, type NetworkPolicy, type Pod } from '../../model/index.js';
import type { FirewallPlan, PodFirewall } from '../../plan/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { compareAddresses, compareText} from '../common/addresses.js';
import { planPolicy } from './policy-plan.js';
import { isPolicyPod } from './policy-pods.js';

/**
 * Plans the NetworkPolicy firewall of node `nodeName`. Pure and deterministic.
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
 *   without peers matches any peer;
 * - ports: numeric with `endPort`, protocol-only, and named ports resolved per destination pod
 *   (ingress: the policy's local targets; egress: the pods the peers cover); a named port
 *   nothing declares matches nothing, and a rule whose ports all resolve to nothing allows
 *   nothing;
 * - IPv4 and IPv6: IP lists mix both families, sorted (IPv4 first) and deduplicated.
 *
 * Not yet: pods of namespaces with no Namespace object in the snapshot are reached only by an
 * empty `namespaceSelector`; AdminNetworkPolicy; incremental planning (today one pod event
 * re-plans the node). The default-deny and established-connection rules are the backends'.
 */
export function planFirewall(snapshot: ClusterSnapshot, nodeName: string): FirewallPlan {
  const targetsByPolicy = new Map<string, { policy: NetworkPolicy; targets: Pod[] }>();
  const pods: PodFirewall[] = [];
  for (const pod of snapshot.podsOnNode(nodeName)) {
    if (!isPolicyPod(pod)) continue;
    const ingressPolicies: string[] = [];
    const egressPolicies: string[] = [];
    for (const policy of snapshot.policiesInNamespace(pod.namespace)) {
      if (!matchesSelector(policy.podSelector, pod.labels)) continue;
      const entry = targetsByPolicy.get(policy.key) ?? { policy, targets: [] };
      entry.targets.push(pod);
      targetsByPolicy.set(policy.key, entry);
      if (policy.policyTypes.includes('Ingress')) ingressPolicies.push(policy.key);
      if (policy.policyTypes.includes('Egress')) egressPolicies.push(policy.key);
    }
    pods.push({
      pod: pod.key,
      ips: familyTagged(pod.podIPs),
      ingressPolicies: ingressPolicies.sort(compareText),
      egressPolicies: egressPolicies.sort(compareText),
    });
  }
  const policies = [...targetsByPolicy.values()]
    .map(({ policy, targets }) => planPolicy(snapshot, policy, targets))
    .sort((a, b) => compareText(a.key, b.key));
  return { node: nodeName, pods: pods.sort((a, b) => compareText(a.pod, b.pod)), policies };
}

function familyTagged(addresses: readonly string[]): { ip: string; family: IPFamily }[] {
  const tagged: { ip: string; family: IPFamily }[] = [];
  for (const ip of new Set(addresses)) {
    tagged.push({ ip, family: ipFamilyOf(ip) });
  }
  return tagged.sort((a, b) => compareAddresses(a.ip, b.ip));
}
