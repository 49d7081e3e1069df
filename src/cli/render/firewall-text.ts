import type { FirewallPlan, FirewallRulePlan, PortMatch } from '../../core/plan/index.js';

function portText(port: PortMatch): string {
  const number = port.port === undefined ? 'any' : port.endPort ? `${port.port}-${port.endPort}` : String(port.port);
  const only = port.podIPs ? ` (to ${port.podIPs.join(',')})` : '';
  return `${port.protocol}/${number}${only}`;
}

function ruleText(rule: FirewallRulePlan, direction: 'from' | 'to'): string {
  let peers: string;
  if (rule.peers.any) {
    peers = 'anywhere';
  } else {
    const parts = [...rule.peers.podIPs];
    for (const block of rule.peers.cidrs) {
      parts.push(block.except.length ? `${block.cidr} except ${block.except.join(',')}` : block.cidr);
    }
    peers = parts.length ? parts.join(', ') : 'no pods yet';
  }
  const ports = rule.ports.length ? rule.ports.map(portText).join(', ') : 'all ports';
  return `allow ${direction} ${peers} on ${ports}`;
}

/** Readable lines for a firewall plan: isolated pods, then each policy's rules. */
export function firewallPlanLines(plan: FirewallPlan): string[] {
  const lines: string[] = [];
  for (const pod of plan.pods) {
    const isolation = [
      pod.ingressPolicies.length ? `ingress by ${pod.ingressPolicies.join(', ')}` : '',
      pod.egressPolicies.length ? `egress by ${pod.egressPolicies.join(', ')}` : '',
    ].filter(Boolean);
    if (isolation.length) lines.push(`pod ${pod.pod} isolated: ${isolation.join('; ')}`);
  }
  for (const policy of plan.policies) {
    lines.push(`policy ${policy.key} [${policy.policyTypes.join(',')}] on ${policy.targetPodIPs.join(', ')}`);
    if (policy.policyTypes.includes('Ingress')) {
      if (policy.ingress.length === 0) lines.push('  ingress: deny all');
      for (const rule of policy.ingress) lines.push(`  ingress: ${ruleText(rule, 'from')}`);
    }
    if (policy.policyTypes.includes('Egress')) {
      if (policy.egress.length === 0) lines.push('  egress: deny all');
      for (const rule of policy.egress) lines.push(`  egress: ${ruleText(rule, 'to')}`);
    }
  }
  return lines;
}
