import type { NetworkPolicy, Pod } from '../../model/index.js';
import type { PolicyPlan } from '../../plan/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { sortedUniqueAddresses } from '../common/addresses.js';
import { planEgressRule, planIngressRule } from './rule-plans.js';

/**
 * One policy as it applies to `targets`, the local pods it selects. Rules are planned only for
 * the directions in the policy's effective `policyTypes`: ingress rules of a policy whose
 * explicit types are `[Egress]` are ignored, as Kubernetes ignores them. Rules keep the
 * policy's order.
 */
export function planPolicy(snapshot: ClusterSnapshot, policy: NetworkPolicy, targets: readonly Pod[]): PolicyPlan {
  const isolatesIngress = policy.policyTypes.includes('Ingress');
  const isolatesEgress = policy.policyTypes.includes('Egress');
  return {
    key: policy.key,
    policyTypes: [...policy.policyTypes],
    targetPodIPs: sortedUniqueAddresses(targets.flatMap((pod) => pod.podIPs)),
    ingress: isolatesIngress ? policy.ingress.map((rule) => planIngressRule(snapshot, policy, rule, targets)) : [],
    egress: isolatesEgress ? policy.egress.map((rule) => planEgressRule(snapshot, policy, rule)) : [],
  };
}
