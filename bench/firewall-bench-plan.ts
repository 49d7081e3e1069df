/**
 * The firewall plan both firewall benchmarks load: one node with 1,000 local pods and 500
 * policies (each an ingress allow from a pod selector of 20 pods on TCP 8080 and an egress
 * allow to one of 50 ipBlocks with an except), kept in fragment tables so that each new
 * version shares every unchanged fragment, as the planner's plans do.
 */
import type { FirewallPlan, PeerSet, PodFirewall, PolicyPlan } from '../src/core/plan/firewall-plan.js';
import { fragmentMapOf } from '../src/core/plan/fragment-map.js';
import { SortedTable } from '../src/core/store/sorted-table.js';

export const PODS = 1_000;
export const POLICIES = 500;
export const ip = (index: number): string => `10.${1 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;

export const pods: PodFirewall[] = Array.from({ length: PODS }, (_, index) => ({
  pod: `ns-${index % 100}/pod-${index}`,
  ips: [{ ip: ip(index + 10), family: 'IPv4' }],
  ingressPolicies: [`ns-${index % 100}/policy-${index % POLICIES}`].sort(),
  egressPolicies: [`ns-${index % 100}/policy-${index % POLICIES}`].sort(),
}));
// Policy i isolates pods i and i+500: give it the key those pods name.
export const policies: PolicyPlan[] = Array.from({ length: POLICIES }, (_, index) => ({
  key: `ns-${index % 100}/policy-${index}`,
  policyTypes: ['Ingress', 'Egress'],
  ingress: [{ peers: { any: false, sets: [`sel-${index}`] }, ports: [{ protocol: 'TCP', port: 8080 }] }],
  egress: [{ peers: { any: false, sets: [`block-${index % 50}`] }, ports: [{ protocol: 'TCP', port: 5432 }, { protocol: 'UDP', port: 53 }] }],
}));
export const selector = (index: number, addresses: string[]): PeerSet => ({ id: `sel-${index}`, kind: 'pods', family: 'IPv4', addresses });
export const selectorAddresses = (index: number): string[] => Array.from({ length: 20 }, (_, slot) => ip(20_000 + index * 20 + slot)).sort();
// Fragment maps versioned as a planner makes them: each version shares every unchanged fragment.
export const setTable = new SortedTable<PeerSet>();
for (let index = 0; index < POLICIES; index++) setTable.set(`sel-${index}`, selector(index, selectorAddresses(index)));
for (let index = 0; index < 50; index++) {
  setTable.set(`block-${index}`, { id: `block-${index}`, kind: 'cidrs', family: 'IPv4', cidr: `172.${16 + index}.0.0/16`, except: [`172.${16 + index}.9.0/24`] });
}
export const policyTable = new SortedTable<PolicyPlan>();
for (const policy of policies) policyTable.set(policy.key, policy);
export const podMap = fragmentMapOf(pods, (pod) => pod.pod);
export const plan = (): FirewallPlan => ({
  node: 'node-0',
  nodeAddresses: [{ ip: '192.168.50.11', family: 'IPv4' }],
  pods: podMap,
  policies: policyTable.view(),
  peerSets: setTable.view(),
});
export const moved = ip(20_000);
/** The pod behind `moved` relabelled: it leaves selector 0 and joins selector 1. */
export function relabel(back: boolean): FirewallPlan {
  setTable.set('sel-0', selector(0, back ? selectorAddresses(0) : selectorAddresses(0).filter((address) => address !== moved)));
  setTable.set('sel-1', selector(1, back ? selectorAddresses(1) : [...selectorAddresses(1), moved].sort()));
  return plan();
}
/** Policy 7's port changed (or back). */
export function policyChange(back: boolean): FirewallPlan {
  const policy = policies[7]!;
  policyTable.set(policy.key, back ? policy : { ...policy, ingress: [{ ...policy.ingress[0]!, ports: [{ protocol: 'TCP', port: 8443 }] }] });
  return plan();
}
