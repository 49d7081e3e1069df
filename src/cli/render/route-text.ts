import { compareCidrs } from '../../core/planner/common/addresses.js';
import type { PodSubnetRoute, RoutePlan, TunnelPlan } from '../../core/plan/index.js';

/**
 * Readable lines for a route plan: one per route (direct, or through which tunnel device),
 * per tunnel, and for masquerade and BGP. Routes are listed in numeric destination order
 * (`10.1.2.0/24` before `10.1.10.0/24`), which reads better than the plan's key order.
 */
export function routePlanLines(plan: RoutePlan): string[] {
  const routes = [...plan.routes.values()].sort((a, b) => compareCidrs(a.destination, b.destination));
  const lines = routes.map(routeLine);
  for (const tunnel of plan.tunnels.values()) lines.push(tunnelLine(tunnel));
  if (plan.masquerade) {
    const except = plan.masquerade.exceptDestinations.join(', ') || 'nothing';
    lines.push(`masquerade pod egress from ${plan.masquerade.sources.join(', ')} except to ${except}`);
  }
  if (plan.bgp) {
    const announced = plan.bgp.announcements.map((announcement) => announcement.prefix).join(', ') || 'nothing';
    lines.push(`bgp as ${plan.bgp.localAsn} router-id ${plan.bgp.routerId}: ${plan.bgp.peers.length} peers, announces ${announced}`);
  }
  return lines;
}

function routeLine(route: PodSubnetRoute): string {
  if (route.kind === 'direct') return `route ${route.destination} via ${route.gateway} (${route.node}, direct)`;
  const subnet = route.sameSubnet ? 'same subnet' : 'other subnet';
  return `route ${route.destination} dev ${route.device ?? '?'} (${route.node}, tunnel to ${route.gateway}, ${subnet})`;
}

function tunnelLine(tunnel: TunnelPlan): string {
  const vni = tunnel.vni === undefined ? '' : ` vni ${tunnel.vni}`;
  const port = tunnel.port === undefined ? '' : ` port ${tunnel.port}`;
  return `tunnel ${tunnel.name} ${tunnel.type} ${tunnel.local} -> ${tunnel.remote} (${tunnel.node}) mtu ${tunnel.mtu}${vni}${port}`;
}
