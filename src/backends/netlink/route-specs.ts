/**
 * How a {@link PodSubnetRoute} becomes a kernel route, and when a listed route is one.
 *
 * - direct: `destination via gateway proto P`: the kernel picks the device from the connected
 *   subnet that holds the gateway, and refuses the route (`ENETUNREACH`) when none does.
 * - tunnel: `destination via gateway dev DEVICE onlink proto P`, DEVICE the tunnel's link (IPIP,
 *   FOU) or the shared VXLAN device: onlink because the gateway (the remote node's underlay
 *   address) is on no subnet of that device.
 *
 * @module
 */
import { BackendError } from '../../core/errors.js';
import type { PodSubnetRoute, TunnelPlan } from '../../core/plan/route-plan.js';
import type { KernelRoute, RouteSelector, RouteSpec } from '../../core/ports/netlink.js';
import { canonicalAddress, canonicalCidr } from './rtnetlink/ip-bytes.js';
import { tunnelDevice } from './tunnel-links.js';

/** Where the backend's routes live and how they are marked. */
export interface RouteOwnership {
  /** `rtm_protocol` of every route the backend makes. */
  readonly protocol: number;
  /** Routing table id. */
  readonly table: number;
}

/**
 * The kernel route for `route`; `tunnelOf` finds the plan's tunnel a tunnel route names (its
 * routes go out of the tunnel's device: its own link, or the shared VXLAN device).
 * Throws `BackendError` for a tunnel route without a device or naming no tunnel of the plan.
 */
export function routeSpec(route: PodSubnetRoute, ownership: RouteOwnership, tunnelOf: (name: string) => TunnelPlan | undefined): RouteSpec {
  const base = {
    family: route.family,
    destination: canonicalCidr(route.destination),
    table: ownership.table,
    protocol: ownership.protocol,
    gateway: canonicalAddress(route.gateway),
  };
  if (route.kind === 'direct') return base;
  const tunnel = route.device === undefined ? undefined : tunnelOf(route.device);
  if (tunnel === undefined) {
    throw new BackendError('netlink', ['route', 'add', route.destination], undefined, '', `a tunnel route needs a tunnel of the plan, not ${String(route.device)}`);
  }
  return { ...base, device: tunnelDevice(tunnel), onlink: true };
}

/** What deletes the backend's route to `destination`. */
export function routeSelector(route: Pick<PodSubnetRoute, 'family' | 'destination'>, ownership: RouteOwnership): RouteSelector {
  return { family: route.family, destination: canonicalCidr(route.destination), table: ownership.table, protocol: ownership.protocol };
}

/** The metric the kernel gives a route that asks for none (IPv6 routes get 1024). */
function effectiveMetric(route: Pick<RouteSpec, 'family' | 'metric'>): number {
  return route.metric ?? (route.family === 'IPv6' ? 1024 : 0);
}

/** True when `listed` occupies the slot `spec` would take: same table, destination and metric. */
export function sameSlot(listed: KernelRoute, spec: RouteSpec): boolean {
  return listed.family === spec.family && listed.table === spec.table && listed.destination === spec.destination
    && effectiveMetric(listed) === effectiveMetric(spec);
}

/**
 * True when `listed` is `spec` as programmed: ours, unicast, same next hop and onlink flag, and
 * for tunnel routes the same device (direct routes take whatever device the kernel chose).
 */
export function routeMatches(listed: KernelRoute, spec: RouteSpec): boolean {
  return sameSlot(listed, spec) && listed.protocol === spec.protocol && listed.type === 'unicast'
    && listed.gateway === spec.gateway && (listed.onlink === true) === (spec.onlink === true)
    && (spec.device === undefined || listed.device === spec.device);
}
