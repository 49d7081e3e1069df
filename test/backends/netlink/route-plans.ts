import { fragmentMapOf, type FragmentMap } from '../../../src/core/plan/fragment-map.js';
import type { PodEgressMasquerade, PodSubnetRoute, RoutePlan, TunnelPlan } from '../../../src/core/plan/route-plan.js';
import { SortedTable } from '../../../src/core/store/sorted-table.js';

/** A direct route to `node`'s pod CIDR via its underlay address. */
export function directRoute(node: string, destination: string, gateway: string): PodSubnetRoute {
  const family = destination.includes(':') ? 'IPv6' : 'IPv4';
  return { destination, family, node, kind: 'direct', gateway, sameSubnet: true };
}

/** A route to `node`'s pod CIDR through tunnel `device` towards `gateway`. */
export function tunnelRoute(node: string, destination: string, gateway: string, device: string): PodSubnetRoute {
  const family = destination.includes(':') ? 'IPv6' : 'IPv4';
  return { destination, family, node, kind: 'tunnel', gateway, sameSubnet: false, device };
}

/** A VXLAN tunnel `name` from `local` to `remote`. */
export function vxlanTunnel(name: string, node: string, local: string, remote: string, vni: number, mtu = 1450): TunnelPlan {
  const family = remote.includes(':') ? 'IPv6' : 'IPv4';
  return { name, type: 'vxlan', family, node, local, remote, vni, port: 4789, mtu };
}

/** A route plan built by hand, as the planner would hand it over. */
export function routePlanOf(
  node: string,
  routes: readonly PodSubnetRoute[],
  tunnels: readonly TunnelPlan[] = [],
  masquerade?: PodEgressMasquerade,
): RoutePlan {
  return {
    node,
    settings: { underlayCIDRs: [], overlay: tunnels.length > 0 ? 'subnet' : 'off', tunnelType: 'vxlan' },
    routes: fragmentMapOf(routes, (route) => route.destination),
    tunnels: fragmentMapOf(tunnels, (tunnel) => tunnel.name),
    ...(masquerade === undefined ? {} : { masquerade }),
  };
}

function edited<V>(map: FragmentMap<V>, edit: (table: SortedTable<V>) => void): FragmentMap<V> {
  const table = SortedTable.from(map);
  edit(table);
  return table.view();
}

/** `plan` with `route` (and `tunnel`) added, sharing structure as the planner's next plan does. */
export function withRoute(plan: RoutePlan, route: PodSubnetRoute, tunnel?: TunnelPlan): RoutePlan {
  return {
    ...plan,
    routes: edited(plan.routes, (table) => table.set(route.destination, route)),
    tunnels: tunnel === undefined ? plan.tunnels : edited(plan.tunnels, (table) => table.set(tunnel.name, tunnel)),
  };
}

/** `plan` without the route to `destination` (and tunnel `tunnel`), sharing structure. */
export function withoutRoute(plan: RoutePlan, destination: string, tunnel?: string): RoutePlan {
  return {
    ...plan,
    routes: edited(plan.routes, (table) => table.delete(destination)),
    tunnels: tunnel === undefined ? plan.tunnels : edited(plan.tunnels, (table) => table.delete(tunnel)),
  };
}

/** `plan` with tunnel `name` replaced by `edit(tunnel)`. */
export function withTunnel(plan: RoutePlan, name: string, edit: (tunnel: TunnelPlan) => TunnelPlan): RoutePlan {
  return { ...plan, tunnels: edited(plan.tunnels, (table) => table.set(name, edit(table.get(name) as TunnelPlan))) };
}

/** Direct routes to `count` nodes: node-i owns 10.(i/256).(i%256).0/24... laid out in 10.64.0.0/10. */
export function manyDirectRoutes(count: number, gatewayOf: (index: number) => string): PodSubnetRoute[] {
  return Array.from({ length: count }, (_, index) =>
    directRoute(`node-${index}`, `10.${64 + (index >> 8)}.${index & 255}.0/24`, gatewayOf(index)));
}
