import { ipFamilyOf } from '../../model/ip-family.js';
import type { Node } from '../../model/index.js';
import type { PodEgressMasquerade } from '../../plan/index.js';
import { sortedUniqueCidrs } from '../common/addresses.js';

/**
 * Masquerade for traffic from this node's pods to destinations outside the cluster.
 *
 * - `sources`: the local node's pod CIDRs.
 * - `exceptDestinations`: the cluster CIDRs (or, when none are configured, every node's pod
 *   CIDRs), plus every node's InternalIPs as host CIDRs (`/32`, `/128`), as kube-router keeps
 *   pod traffic to node addresses unmasqueraded (its `kube-router-node-ips` set).
 *
 * Families are mixed in both lists; a backend takes the entries of the family it programs.
 *
 * @returns undefined when the local node has no pod CIDR yet: there is nothing to masquerade.
 */
export function planPodEgressMasquerade(
  local: Node,
  nodes: readonly Node[],
  clusterCIDRs: readonly string[],
): PodEgressMasquerade | undefined {
  if (local.podCIDRs.length === 0) return undefined;
  const podNetworks = clusterCIDRs.length > 0 ? clusterCIDRs : nodes.flatMap((node) => node.podCIDRs);
  const nodeAddresses = nodes.flatMap((node) => node.internalIPs.map(hostCidr));
  return {
    sources: sortedUniqueCidrs(local.podCIDRs),
    exceptDestinations: sortedUniqueCidrs([
      ...podNetworks,
      ...nodeAddresses,
    ]),
  };
}

function hostCidr(address: string): string {
  return `${address}/${ipFamilyOf(address) === 'IPv4' ? 32 : 128}`;
}
