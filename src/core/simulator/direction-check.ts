import type { FirewallRulePlan } from '../plan/index.js';
import type { PlacedPod } from './firewall-plan-index.js';
import type { Direction, DirectionVerdict } from './reach-query.js';
import { ruleMatches, type RulePacket } from './rule-matching.js';

function listed(keys: readonly string[]): string {
  return keys.join(', ');
}

/**
 * Checks one direction of a packet on the node that enforces it: egress with the source pod's
 * entry and plan, ingress with the destination pod's. A pod no policy isolates in that
 * direction lets the packet pass; an isolated pod passes it only when a rule of one of its
 * isolating policies matches (rules of every such policy are ORed). The verdict names the first
 * matching rule in policy key order, then rule order.
 *
 * A policy listed on the pod but missing from the plan's `policies` still isolates, with no rule.
 */
export function checkDirection(placed: PlacedPod, direction: Direction, packet: RulePacket): DirectionVerdict {
  const { pod, plan } = placed;
  const isolating = direction === 'egress' ? pod.egressPolicies : pod.ingressPolicies;
  const where = `${direction} ${direction === 'egress' ? 'from' : 'to'} ${pod.pod} (node ${plan.node})`;
  if (isolating.length === 0) {
    return { direction, allowed: true, isolatingPolicies: [], explain: `${where}: allowed, no policy isolates it for ${direction}` };
  }
  const missing: string[] = [];
  for (const key of isolating) {
    const policy = plan.policies.get(key);
    if (policy === undefined) {
      missing.push(key);
      continue;
    }
    const rules: readonly FirewallRulePlan[] = direction === 'egress' ? policy.egress : policy.ingress;
    const index = rules.findIndex((rule) => ruleMatches(plan, rule, packet));
    if (index >= 0) {
      return {
        direction,
        allowed: true,
        isolatingPolicies: isolating,
        policy: key,
        rule: index,
        explain: `${where}: allowed by ${key} ${direction} rule ${index}`,
      };
    }
  }
  const other = direction === 'egress' ? `to ${packet.peerIP}` : `from ${packet.peerIP}`;
  const absent = missing.length > 0 ? ` (${listed(missing)} not in the plan: no rules)` : '';
  return {
    direction,
    allowed: false,
    isolatingPolicies: isolating,
    explain: `${where}: denied, isolated by ${listed(isolating)}${absent} and no rule allows ${packet.protocol}/${packet.port} ${other}`,
  };
}
