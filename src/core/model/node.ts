import type { ClusterMeta } from './common.js';

/**
 * A cluster node as the networking concerns need it.
 *
 * `podCIDRs` holds one CIDR per IP family (dual-stack has two); `podCIDR` is the first, as
 * `spec.podCIDR` is in Kubernetes.
 */
export interface Node extends ClusterMeta {
  readonly kind: 'Node';
  /** `status.addresses` of type InternalIP, IPv4 and IPv6, in the order the API gave them. */
  readonly internalIPs: readonly string[];
  /** `status.addresses` of type ExternalIP. */
  readonly externalIPs: readonly string[];
  /** `status.addresses` of type Hostname, if any. */
  readonly hostname?: string | undefined;
  readonly podCIDR?: string | undefined;
  readonly podCIDRs: readonly string[];
  /** `spec.unschedulable`. */
  readonly unschedulable: boolean;
}
