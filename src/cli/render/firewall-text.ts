import type { FirewallPlan, FirewallRulePlan, PortMatch } from '../../core/plan/index.js';
import { sortedUniqueAddresses } from '../../core/planner/common/addresses.js';

/** The addresses a list of pod sets holds, sorted. */
function setAddresses(plan: FirewallPlan, ids: readonly string[]): string[] {
  return sortedUniqueAddresses(
    ids.flatMap((id) => {
      const set = plan.peerSets.get(id);
      return set?.kind === 'pods' ? set.addresses : [];
    }),
  );
}

function portText(plan: FirewallPlan, port: PortMatch): string {
  const number = port.port === undefined ? 'any' : port.endPort ? `${port.port}-${port.endPort}` : String(port.port);
  const only = port.podSets ? ` (to ${setAddresses(plan, port.podSets).join(',')})` : '';
  return `${port.protocol}/${number}${only}`;
}

function ruleText(plan: FirewallPlan, rule: FirewallRulePlan, direction: 'from' | 'to'): string {
  let peers: string;
  if (rule.peers.any) {
    peers = 'anywhere';
  } else {
    const parts = setAddresses(plan, rule.peers.sets);
    for (const id of rule.peers.sets) {
      const set = plan.peerSets.get(id);
      if (set?.kind !== 'cidrs') continue;
      parts.push(set.except.length ? `${set.cidr} except ${set.except.join(',')}` : set.cidr);
    }
    peers = parts.length ? parts.join(', ') : 'no pods yet';
  }
  const ports = rule.ports.length ? rule.ports.map((port) => portText(plan, port)).join(', ') : 'all ports';
  return `allow ${direction} ${peers} on ${ports}`;
}

/** Readable lines for a firewall plan: isolated pods, then each policy's rules. */
export function firewallPlanLines(plan: FirewallPlan): string[] {
  const lines: string[] = [];
  for (const pod of plan.pods.values()) {
    const isolation = [
      pod.ingressPolicies.length ? `ingress by ${pod.ingressPolicies.join(', ')}` : '',
      pod.egressPolicies.length ? `egress by ${pod.egressPolicies.join(', ')}` : '',
    ].filter(Boolean);
    if (isolation.length) lines.push(`pod ${pod.pod} isolated: ${isolation.join('; ')}`);
  }
  for (const policy of plan.policies.values()) {
    const targets = sortedUniqueAddresses(
      plan.pods
        .values()
        .filter((pod) => pod.ingressPolicies.includes(policy.key) || pod.egressPolicies.includes(policy.key))
        .flatMap((pod) => pod.ips.map((address) => address.ip)),
    );
    lines.push(`policy ${policy.key} [${policy.policyTypes.join(',')}] on ${targets.join(', ')}`);
    if (policy.policyTypes.includes('Ingress')) {
      if (policy.ingress.length === 0) lines.push('  ingress: deny all');
      for (const rule of policy.ingress) lines.push(`  ingress: ${ruleText(plan, rule, 'from')}`);
    }
    if (policy.policyTypes.includes('Egress')) {
      if (policy.egress.length === 0) lines.push('  egress: deny all');
      for (const rule of policy.egress) lines.push(`  egress: ${ruleText(plan, rule, 'to')}`);
    }
  }
  return lines;
}
