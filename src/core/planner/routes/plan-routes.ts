import type { RoutePlan } from '../../plan/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { planPodEgressMasquerade } from './pod-egress-masquerade.js';
import { planPodSubnetRoutes } from './pod-subnet-routes.js';
import type { RoutePlanOptions } from './route-plan-options.js';

/**
 * Plans what the routing controller programs on node `nodeName`. Pure and deterministic.
 *
 * Covered now:
 * - a `direct` route to every other node's pod CIDRs via its InternalIP of the same family,
 *   IPv4 and IPv6. "Shares a subnet" is not checked (the model has no underlay masks): as in
 *   kube-router's direct routing, an unreachable gateway is left to the kernel to refuse.
 *   Skipped without error: nodes with no pod CIDR yet, and CIDRs of a family either node has
 *   no InternalIP of;
 * - pod egress masquerade: sources are this node's pod CIDRs; exceptions are the cluster
 *   CIDRs (every node's pod CIDRs when none are given) and every node's InternalIPs, as in
 *   kube-router; off when `options.podEgressMasquerade` is false.
 *
 * Not yet: overlay tunnels (`tunnels` is always empty, every route is `direct`), BGP
 * (`bgp` is always undefined), node subnet awareness for choosing direct versus tunnel.
 *
 * A node missing from the snapshot (not registered yet) gets an empty plan: without its
 * addresses no route's family can be checked, and without its pod CIDRs there is nothing to
 * masquerade.
 */
export function planRoutes(snapshot: ClusterSnapshot, nodeName: string, options: RoutePlanOptions): RoutePlan {
  const local = snapshot.node(nodeName);
  if (local === undefined) return { node: nodeName, routes: [], tunnels: [] };
  const nodes = snapshot.nodes();
  const masquerade =
    options.podEgressMasquerade === false ? undefined : planPodEgressMasquerade(local, nodes, options.clusterCIDRs);
  return {
    node: nodeName,
    routes: planPodSubnetRoutes(local, nodes),
    tunnels: [],
    ...(masquerade === undefined ? {} : { masquerade }),
  };
}
