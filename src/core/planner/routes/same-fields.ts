import type { PodSubnetRoute, TunnelPlan } from '../../plan/index.js';

/*
 * Field-by-field equality of the planner's flat fragments. The planner asks this before
 * `FragmentTable.put`, whose general deep comparison costs microseconds per fragment: after a
 * change of this node every route and tunnel is replanned, and at 10,000 of each that alone
 * took tens of milliseconds. Written out per type, so no key list is allocated; a field added
 * to a fragment type must be added here too (the property test compares whole plans, and a
 * missed field shows there as a stale fragment).
 */

/** True when two routes have the same fields. */
export function sameRoute(a: PodSubnetRoute, b: PodSubnetRoute): boolean {
  return (
    a === b ||
    (a.destination === b.destination &&
      a.family === b.family &&
      a.node === b.node &&
      a.kind === b.kind &&
      a.gateway === b.gateway &&
      a.sameSubnet === b.sameSubnet &&
      a.device === b.device &&
      'device' in a === 'device' in b)
  );
}

/** True when two tunnels have the same fields. */
export function sameTunnel(a: TunnelPlan, b: TunnelPlan): boolean {
  return (
    a === b ||
    (a.name === b.name &&
      a.type === b.type &&
      a.family === b.family &&
      a.node === b.node &&
      a.local === b.local &&
      a.remote === b.remote &&
      a.mtu === b.mtu &&
      a.vni === b.vni &&
      a.port === b.port &&
      'vni' in a === 'vni' in b &&
      'port' in a === 'port' in b)
  );
}
