import type { PodEgressMasquerade } from '../../plan/index.js';
import type { RouteIndex } from './route-index.js';

/**
 * Masquerade for traffic from this node's pods to destinations outside the cluster
 * (kube-router's `--enable-pod-egress`).
 *
 * - `sources`: this node's pod CIDRs.
 * - `exceptDestinations`: the cluster CIDRs (or, when none are configured, every node's pod
 *   CIDRs), plus every node's InternalIPs as host CIDRs (`/32`, `/128`), as kube-router keeps
 *   pod traffic to node addresses unmasqueraded (its `kube-router-node-ips` set). Distinct,
 *   numerically sorted, IPv4 first.
 *
 * Families are mixed in both lists; a backend takes the entries of the family it programs.
 * A default route (`0.0.0.0/0`) given as a pod CIDR is in neither list: as a source it would
 * masquerade the node's own traffic, as an exception it would turn masquerading off.
 *
 * @returns undefined when this node is unknown or has no pod CIDR: nothing to masquerade.
 */
export function planPodEgressMasquerade(index: RouteIndex): PodEgressMasquerade | undefined {
  const local = index.local;
  if (local === undefined || local.podCidrs.length === 0) return undefined;
  const sources = [...new Map(local.podCidrs.map((cidr) => [cidr.sortKey, cidr.text])).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, text]) => text);
  return { sources, exceptDestinations: index.exceptions.list() };
}
