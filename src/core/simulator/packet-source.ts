import type { ProxySettings } from '../plan/index.js';
import { cidrHolding, isLoopback } from './ip-matching.js';
import type { SourceClass } from './trace-query.js';

/** How the proxy classed a source, and why. */
export interface ClassifiedSource {
  readonly source: SourceClass;
  readonly explain: string;
}

/**
 * Classes the source of a packet as the plan's settings define it: this node when it is one of
 * `nodeAddresses` or loopback; a pod when it lies in `clusterCIDRs`; otherwise outside the
 * cluster. The node test comes first: a node address is the node even inside a cluster CIDR.
 */
export function classifySource(settings: ProxySettings, ip: string): ClassifiedSource {
  if (settings.nodeAddresses.some((address) => address.ip === ip)) {
    return { source: 'node', explain: `source ${ip}: this node (one of its addresses)` };
  }
  if (isLoopback(ip)) return { source: 'node', explain: `source ${ip}: this node (loopback)` };
  const cidr = cidrHolding(settings.clusterCIDRs, ip);
  if (cidr !== undefined) return { source: 'pod', explain: `source ${ip}: a pod (inside cluster CIDR ${cidr})` };
  const cidrs =
    settings.clusterCIDRs.length === 0
      ? 'no cluster CIDRs are configured, so no source counts as a pod'
      : `not in the cluster CIDRs ${settings.clusterCIDRs.join(', ')}`;
  return { source: 'outside', explain: `source ${ip}: outside the cluster (not this node; ${cidrs})` };
}
