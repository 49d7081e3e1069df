import type { RoutePlan } from '../../core/plan/index.js';

/** Readable lines for a route plan, one per route, tunnel and masquerade rule. */
export function routePlanLines(plan: RoutePlan): string[] {
  const lines = plan.routes.map((route) =>
    route.kind === 'direct'
      ? `route ${route.destination} via ${route.gateway} (${route.node})`
      : `route ${route.destination} dev ${route.device ?? '?'} to ${route.gateway} (${route.node})`,
  );
  for (const tunnel of plan.tunnels) {
    lines.push(`tunnel ${tunnel.name} ${tunnel.type} ${tunnel.local} -> ${tunnel.remote}`);
  }
  if (plan.masquerade) {
    const except = plan.masquerade.exceptDestinations.join(', ') || 'nothing';
    lines.push(`masquerade pod egress from ${plan.masquerade.sources.join(', ')} except to ${except}`);
  }
  if (plan.bgp) {
    lines.push(`bgp as ${plan.bgp.localAsn} router-id ${plan.bgp.routerId}: ${plan.bgp.peers.length} peers, announces ${plan.bgp.announcements.join(', ')}`);
  }
  return lines;
}
