import type { IPFamily } from '../model/index.js';

/** A route to another node's pod subnet. */
export interface PodSubnetRoute {
  readonly destination: string;
  readonly family: IPFamily;
  /** The node that owns the subnet. */
  readonly node: string;
  /** `direct`: via the node's address on a shared subnet; `tunnel`: through an overlay device. */
  readonly kind: 'direct' | 'tunnel';
  /** Next hop for direct routes; the remote node's underlay address for tunnels. */
  readonly gateway: string;
  /** Overlay device for tunnel routes. */
  readonly device?: string | undefined;
}

/** An overlay tunnel to one remote node (or a shared VXLAN device with a forwarding entry). */
export interface TunnelPlan {
  readonly name: string;
  readonly type: 'vxlan' | 'ipip';
  readonly local: string;
  readonly remote: string;
  /** VXLAN network identifier. */
  readonly vni?: number | undefined;
}

/** Masquerade of pod egress to destinations outside the cluster. */
export interface PodEgressMasquerade {
  /** This node's pod CIDRs whose traffic is masqueraded. */
  readonly sources: readonly string[];
  /** Destinations that keep the pod source address: cluster CIDRs and node addresses. */
  readonly exceptDestinations: readonly string[];
}

/** A BGP neighbour. */
export interface BgpPeerPlan {
  readonly address: string;
  readonly asn: number;
  /** Kind of session, as kube-router's flags distinguish them. */
  readonly kind: 'ibgp-mesh' | 'route-reflector-client' | 'external';
  readonly password?: string | undefined;
}

/** BGP speaker settings and what it announces. */
export interface BgpPlan {
  readonly localAsn: number;
  readonly routerId: string;
  readonly peers: readonly BgpPeerPlan[];
  /** Prefixes announced: this node's pod CIDRs, and service VIPs when configured. */
  readonly announcements: readonly string[];
  readonly communities: readonly string[];
  readonly gracefulRestart: boolean;
}

/** What the routing controller programs on one node. */
export interface RoutePlan {
  readonly node: string;
  /** Sorted by destination. */
  readonly routes: readonly PodSubnetRoute[];
  readonly tunnels: readonly TunnelPlan[];
  readonly masquerade?: PodEgressMasquerade | undefined;
  readonly bgp?: BgpPlan | undefined;
}
