import type { FirewallPlan, PeerSet, PodFirewall, PolicyPlan } from '../../../src/core/plan/firewall-plan.js';
import { fragmentMapOf } from '../../../src/core/plan/fragment-map.js';

/** The parts of a hand-built firewall plan. */
export interface PlanParts {
  readonly node?: string;
  readonly nodeAddresses?: readonly string[];
  readonly pods?: readonly PodFirewall[];
  readonly policies?: readonly PolicyPlan[];
  readonly peerSets?: readonly PeerSet[];
}

/** A firewall plan from parts (IPv4 node addresses). */
export function planOf(parts: PlanParts): FirewallPlan {
  return {
    node: parts.node ?? 'node-a',
    nodeAddresses: (parts.nodeAddresses ?? ['192.168.50.11']).map((ip) => ({ ip, family: ip.includes(':') ? 'IPv6' as const : 'IPv4' as const })),
    pods: fragmentMapOf(parts.pods ?? [], (pod) => pod.pod),
    policies: fragmentMapOf(parts.policies ?? [], (policy) => policy.key),
    peerSets: fragmentMapOf(parts.peerSets ?? [], (set) => set.id),
  };
}

/** A local pod with one address, isolated by `ingress` and `egress` policies. */
export function podOf(pod: string, ip: string, ingress: string[] = [], egress: string[] = []): PodFirewall {
  return { pod, ips: [{ ip, family: ip.includes(':') ? 'IPv6' : 'IPv4' }], ingressPolicies: ingress, egressPolicies: egress };
}

/** A pod address set. */
export function podSet(id: string, addresses: string[]): PeerSet {
  return { id, kind: 'pods', family: addresses[0]?.includes(':') ? 'IPv6' : 'IPv4', addresses };
}
