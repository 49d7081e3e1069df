import type { IPFamily } from '../model/index.js';
import type { FragmentMap } from './fragment-map.js';

/** An overlay encapsulation: VXLAN, IP-in-IP, or foo-over-UDP carrying IPIP (kube-router's `fou`). */
export type TunnelType = 'vxlan' | 'ipip' | 'fou';

/**
 * A route to another node's pod subnet.
 *
 * - `direct`: the remote node's InternalIP is on one of this node's underlay subnets; the
 *   route is `destination via gateway` on the underlay.
 * - `tunnel`: the packet is encapsulated to the remote node's InternalIP through `device`
 *   (the {@link TunnelPlan} of that name); the route is `destination dev device`, onlink.
 */
export interface PodSubnetRoute {
  /** The remote pod CIDR (the fragment key). */
  readonly destination: string;
  readonly family: IPFamily;
  /** The node that owns the subnet. */
  readonly node: string;
  readonly kind: 'direct' | 'tunnel';
  /** The remote node's InternalIP of `family`: the next hop (direct) or the tunnel's far end. */
  readonly gateway: string;
  /** True when `gateway` lies in one of this node's underlay CIDRs. */
  readonly sameSubnet: boolean;
  /** The tunnel device, for tunnel routes. */
  readonly device?: string | undefined;
}

/**
 * An overlay tunnel to one remote node: the encapsulation peer. For IPIP and FoU a backend
 * makes one device per tunnel, named `name`. VXLAN tunnels of one family share the overlay's
 * VNI and port, and Linux refuses two VXLAN devices with the same VNI and port, so a backend
 * carries them on one shared device with a forwarding entry per remote; `name` then names the
 * peer, not a device.
 */
export interface TunnelPlan {
  /** `tun-<hash of the remote address>`, at most 15 characters (a Linux interface name); the fragment key. */
  readonly name: string;
  readonly type: TunnelType;
  readonly family: IPFamily;
  /** The remote node's name. */
  readonly node: string;
  /** This node's underlay address of `family`. */
  readonly local: string;
  /** The remote node's underlay address. */
  readonly remote: string;
  /** VXLAN network identifier (vxlan only). */
  readonly vni?: number | undefined;
  /** UDP destination port (vxlan and fou). */
  readonly port?: number | undefined;
  /** MTU of the tunnel device: the underlay MTU less the encapsulation overhead. */
  readonly mtu: number;
}

/** Masquerade of pod egress to destinations outside the cluster (`--enable-pod-egress`). */
export interface PodEgressMasquerade {
  /** This node's pod CIDRs whose traffic is masqueraded. */
  readonly sources: readonly string[];
  /** Destinations that keep the pod source address: cluster CIDRs and node addresses. */
  readonly exceptDestinations: readonly string[];
}

/** The kind of a BGP session, as kube-router's flags distinguish them. */
export type BgpPeerKind = 'ibgp-mesh' | 'route-reflector-client' | 'route-reflector' | 'external';

/** A BGP neighbour, with what a real daemon (gobgpd, BIRD) needs to configure the session. */
export interface BgpPeerPlan {
  readonly address: string;
  readonly asn: number;
  readonly port: number;
  readonly kind: BgpPeerKind;
  /** Peer group the announcements name (e.g. `mesh`, `external`). */
  readonly group: string;
  readonly password?: string | undefined;
  /** eBGP multihop TTL, when set. */
  readonly multihopTtl?: number | undefined;
  /** Local address to source the session from. */
  readonly localAddress?: string | undefined;
  /** This node is a route reflector for this peer, with this cluster id. */
  readonly routeReflectorClusterId?: string | undefined;
}

/** One prefix this node announces. */
export interface BgpAnnouncement {
  readonly prefix: string;
  readonly family: IPFamily;
  /** What the prefix is: this node's pod CIDR, or a service VIP. */
  readonly origin: 'pod-cidr' | 'cluster-ip' | 'external-ip' | 'load-balancer-ip';
  /** Communities attached, `asn:value` or well-known names. */
  readonly communities: readonly string[];
  /** How many times this node's ASN is prepended. */
  readonly asPathPrepend: number;
  /** Peer groups the prefix goes to. */
  readonly peerGroups: readonly string[];
}

/** What learned routes are refused. */
export interface BgpImportPolicy {
  /** Prefixes never accepted (service CIDRs, the default route, configured prefixes). */
  readonly rejectPrefixes: readonly string[];
}

/** The BGP speaker's configuration on this node, for a real BGP daemon. */
export interface BgpPlan {
  readonly localAsn: number;
  readonly routerId: string;
  readonly listenPort: number;
  readonly peers: readonly BgpPeerPlan[];
  readonly announcements: readonly BgpAnnouncement[];
  readonly importPolicy: BgpImportPolicy;
  readonly gracefulRestart: boolean;
  readonly gracefulRestartSeconds?: number | undefined;
}

/** Routing settings the planner resolved, plan-wide. */
export interface RouteSettings {
  /** This node's underlay subnets, as the plan's options give them. */
  readonly underlayCIDRs: readonly string[];
  /** Whether remote nodes off the underlay subnets are reached through tunnels. */
  readonly overlay: 'off' | 'subnet' | 'full';
  readonly tunnelType: TunnelType;
}

/** What the routing controller programs on one node. */
export interface RoutePlan {
  readonly node: string;
  readonly settings: RouteSettings;
  /** By destination CIDR. */
  readonly routes: FragmentMap<PodSubnetRoute>;
  /** By device name. */
  readonly tunnels: FragmentMap<TunnelPlan>;
  readonly masquerade?: PodEgressMasquerade | undefined;
  /** Not planned yet by `planRoutes` (BGP needs a real daemon backend). */
  readonly bgp?: BgpPlan | undefined;
}
