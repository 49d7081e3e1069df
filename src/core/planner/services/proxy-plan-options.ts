import type { Node } from '../../model/index.js';
import type { ProxySettings } from '../../plan/index.js';
import { sortedUniqueCidrs } from '../common/addresses.js';
import { localhostNodePortsAllowed, nodeAddressesOf, nodePortAddressesOf } from './node-port-addresses.js';

/**
 * What the service planner needs besides the snapshot: the node-wide settings kube-proxy and
 * kube-router take as flags. New fields arrive optional, with defaults.
 */
export interface ProxyPlanOptions {
  /**
   * The cluster's pod CIDRs (`--cluster-cidr`). With them, cluster IP traffic from outside is
   * masqueraded and pods take the short circuit to Local external frontends; without them a
   * backend cannot tell pod sources from others (kube-proxy's local traffic detector is off).
   */
  readonly clusterCIDRs: readonly string[];
  /** The service cluster IP ranges (`--service-cluster-ip-range`). Default: none given. */
  readonly serviceCIDRs?: readonly string[] | undefined;
  /** Masquerade all traffic to cluster IPs (`--masquerade-all`). Default false. */
  readonly masqueradeAll?: boolean | undefined;
  /**
   * CIDRs of the node addresses NodePorts listen on (`--nodeport-addresses`), per family: a
   * family without a CIDR here is not filtered. Default: every node address.
   */
  readonly nodePortAddresses?: readonly string[] | undefined;
  /**
   * NodePorts also answer on 127.0.0.1 (kube-proxy's `--iptables-localhost-nodeports`), when
   * `nodePortAddresses` lets IPv4 loopback through. Default false (kube-proxy defaults to true
   * in iptables mode; here it is opt-in, since it needs `route_localnet`).
   */
  readonly localhostNodePorts?: boolean | undefined;
  /**
   * The proxy serves kube-router's DSR (`kube-router.io/service.dsr=tunnel`): the IPVS backend
   * with a pod network port. Then the ExternalIP and LoadBalancer frontends of such a service
   * are never masqueraded (the endpoint answers the client itself). Default false: the
   * annotation changes nothing, as with kube-proxy's backends, which do not tunnel.
   */
  readonly directServerReturn?: boolean | undefined;
}

/**
 * The plan-wide settings for the node: the options with defaults applied and lists sorted,
 * and the node's own addresses. Only this node's object is read, so a change to it is the
 * only object change that can change the settings.
 */
export function resolveProxySettings(options: ProxyPlanOptions, node: Node | undefined): ProxySettings {
  const nodePortAddressFilter = sortedUniqueCidrs(options.nodePortAddresses ?? []);
  const nodeAddresses = nodeAddressesOf(node);
  return {
    clusterCIDRs: sortedUniqueCidrs(options.clusterCIDRs),
    serviceCIDRs: sortedUniqueCidrs(options.serviceCIDRs ?? []),
    masqueradeAll: options.masqueradeAll ?? false,
    nodeAddresses,
    nodePortAddressFilter,
    nodePortAddresses: nodePortAddressesOf(nodeAddresses, nodePortAddressFilter),
    localhostNodePorts: localhostNodePortsAllowed(options.localhostNodePorts ?? false, nodePortAddressFilter),
  };
}
