import type { ProxySettings } from '../../plan/index.js';
import { sortedUniqueCidrs } from '../common/addresses.js';

/**
 * What {@link planServices} needs besides the snapshot: the node-wide settings kube-proxy and
 * kube-router take as flags. New fields arrive optional, with kube-proxy's defaults.
 */
export interface ProxyPlanOptions {
  /** The cluster's pod CIDRs (`--cluster-cidr`): traffic from outside them is masqueraded. */
  readonly clusterCIDRs: readonly string[];
  /** Masquerade all traffic to service VIPs (`--masquerade-all`). Default false. */
  readonly masqueradeAll?: boolean | undefined;
  /** CIDRs of the node addresses NodePorts listen on (`--nodeport-addresses`). Default: all. */
  readonly nodePortAddresses?: readonly string[] | undefined;
}

/** The options with defaults applied and lists sorted, as the plan carries them. */
export function resolveProxySettings(options: ProxyPlanOptions): ProxySettings {
  return {
    clusterCIDRs: sortedUniqueCidrs(options.clusterCIDRs),
    masqueradeAll: options.masqueradeAll ?? false,
    nodePortAddresses: sortedUniqueCidrs(options.nodePortAddresses ?? []),
  };
}
