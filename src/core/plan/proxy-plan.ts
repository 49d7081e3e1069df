import type { IPFamily, Protocol } from '../model/index.js';
import type { FragmentMap } from './fragment-map.js';

/** How a service port is reached. NodePort frontends have no IP: they listen on node addresses. */
export type FrontendKind = 'ClusterIP' | 'NodePort' | 'ExternalIP' | 'LoadBalancer';

/** Which endpoint set of its service port a frontend forwards to. */
export type EndpointSetName = 'cluster' | 'local';

/**
 * When traffic to a frontend is masqueraded (SNAT to the node's address), as kube-proxy decides:
 *
 * - `always`: every packet (externalTrafficPolicy Cluster external frontends, or a ClusterIP
 *   under `masqueradeAll`);
 * - `outside-cluster-cidrs`: packets whose source is outside the plan's `clusterCIDRs`
 *   (ClusterIP frontends when cluster CIDRs are known: off-cluster clients routed to a VIP);
 * - `never`: the client address is kept (externalTrafficPolicy Local from outside, or a
 *   ClusterIP when neither cluster CIDRs nor `masqueradeAll` are given).
 *
 * Independently of this, a packet an endpoint sends to its own service and that is balanced
 * back to itself is always masqueraded (hairpin; see {@link ServicePortPlan.hairpinMasquerade}).
 */
export type MasqueradePolicy = 'always' | 'outside-cluster-cidrs' | 'never';

/** What happens to a packet whose frontend has no usable endpoint. */
export type NoEndpointVerdict = 'REJECT' | 'DROP';

/**
 * The route that traffic from this node's pods and from the node itself takes to a Local-policy
 * external frontend (kube-proxy's short circuit): it goes to the `cluster` endpoint set, as if it
 * were addressed to the cluster IP, so pods and the node reach a NodePort or LoadBalancer IP even
 * where no endpoint is local. Node-originated packets are masqueraded on this path, pod packets
 * are not.
 */
export interface ShortCircuit {
  readonly endpoints: 'cluster';
  readonly masqueradeFromNode: true;
}

/** One address and port on which a service port accepts traffic on this node. */
export interface ProxyFrontend {
  readonly kind: FrontendKind;
  /** The VIP; undefined for NodePort, which listens on the plan's `nodePortAddresses` of its family. */
  readonly ip?: string | undefined;
  readonly family: IPFamily;
  readonly port: number;
  /**
   * The traffic policy that governs this frontend: internalTrafficPolicy for ClusterIP,
   * externalTrafficPolicy for the others.
   */
  readonly trafficPolicy: 'Cluster' | 'Local';
  /** The endpoint set the frontend forwards to (`local` exactly when `trafficPolicy` is Local). */
  readonly endpoints: EndpointSetName;
  /** LoadBalancer source ranges of this family; empty means every source is allowed. */
  readonly sourceRanges: readonly string[];
  readonly masquerade: MasqueradePolicy;
  /**
   * Set on Local-policy external frontends (NodePort, ExternalIP, LoadBalancer): traffic from
   * the cluster's pods (sources in `clusterCIDRs`) and from this node bypasses the Local set.
   */
  readonly shortCircuit?: ShortCircuit | undefined;
  /**
   * Undefined when the frontend's endpoint set (of its family) has an endpoint. Otherwise what
   * to do: `REJECT` when the service port has no usable endpoint of this family anywhere (the
   * client learns at once), `DROP` when endpoints exist but none under this frontend's policy
   * on this node (Local policy without a local endpoint; short-circuited traffic still flows).
   */
  readonly noEndpoints?: NoEndpointVerdict | undefined;
}

/** One endpoint the proxy may forward to. */
export interface ProxyEndpoint {
  readonly ip: string;
  readonly family: IPFamily;
  readonly port: number;
  readonly nodeName?: string | undefined;
  /** True when the endpoint runs on the planned node. */
  readonly local: boolean;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

/**
 * kube-router's per-service annotations (`kube-router.io/service.*`), read as data for the
 * backends that honour them (IPVS); the iptables and nftables backends follow kube-proxy and
 * ignore them. Only valid values are kept: an unknown scheduler or flag is left out.
 */
export interface KubeRouterServiceOptions {
  /** `kube-router.io/service.scheduler`: rr, wrr, lc, wlc, sh, dh, mh, ... */
  readonly scheduler?: string | undefined;
  /** `kube-router.io/service.schedflags`: e.g. `flag-1,flag-2` for sh/mh. */
  readonly schedulerFlags?: readonly string[] | undefined;
  /** `kube-router.io/service.local`: only local endpoints, for every frontend. */
  readonly localOnly?: boolean | undefined;
  /** `kube-router.io/service.hairpin`: hairpin masquerade for this service. */
  readonly hairpin?: boolean | undefined;
  /** `kube-router.io/service.dsr`: direct server return mode (`tunnel`). */
  readonly dsr?: string | undefined;
}

/**
 * Everything the proxy programs for one service port (kube-proxy's ServicePortName): frontends,
 * the endpoint sets they use, affinity, and every per-frontend decision (masquerade, short
 * circuit, verdict without endpoints). Backends render one of these per fragment and never
 * look at Kubernetes objects.
 */
export interface ServicePortPlan {
  /** `namespace/name:portName/protocol`, unique within a plan and stable across syncs. */
  readonly key: string;
  /** `namespace/name` of the service. */
  readonly service: string;
  readonly portName: string;
  readonly protocol: Protocol;
  readonly frontends: readonly ProxyFrontend[];
  /**
   * Endpoints of the `cluster` set: the usable endpoints of every node (ready ones; when a
   * family has none ready, its serving-and-terminating ones). Both families share the list;
   * backends take those of a frontend's family. Decided per family: a family none of whose
   * frontends uses the set has no endpoints here (a ClusterIP-only family with
   * internalTrafficPolicy Local).
   */
  readonly clusterEndpoints: readonly ProxyEndpoint[];
  /**
   * Endpoints of the `local` set: this node's usable ones, likewise per family; filled for the
   * families a Local frontend uses, and under `kubeRouter.localOnly` for the backends that
   * honour it.
   */
  readonly localEndpoints: readonly ProxyEndpoint[];
  /** ClientIP session affinity timeout; undefined when affinity is None. */
  readonly affinityTimeoutSeconds?: number | undefined;
  /** Health check node port of an externalTrafficPolicy: Local load balancer service. */
  readonly healthCheckNodePort?: number | undefined;
  /** An endpoint reaching itself through the service is masqueraded (kube-proxy always does). */
  readonly hairpinMasquerade: boolean;
  /** kube-router's service annotations, for the backends that honour them. */
  readonly kubeRouter?: KubeRouterServiceOptions | undefined;
}

/** An address of this node with its family. */
export interface FamilyAddress {
  readonly ip: string;
  readonly family: IPFamily;
}

/** Node-wide proxy settings the planner resolved from options and the node object. */
export interface ProxySettings {
  /** The cluster's pod CIDRs: a source inside them is a pod (for `outside-cluster-cidrs` and the short circuit). */
  readonly clusterCIDRs: readonly string[];
  /** The service cluster IP ranges, when configured. */
  readonly serviceCIDRs: readonly string[];
  readonly masqueradeAll: boolean;
  /**
   * Every address of this node (InternalIP and ExternalIP), sorted: a packet from one of these,
   * or from loopback, originates on the node itself.
   */
  readonly nodeAddresses: readonly FamilyAddress[];
  /** The `nodePortAddresses` filter as given (CIDRs); empty means no filter. */
  readonly nodePortAddressFilter: readonly string[];
  /**
   * The addresses NodePorts listen on: this node's InternalIP and ExternalIP addresses, kept
   * when they fall in `nodePortAddressFilter`; the filter applies per family (a family none of
   * whose CIDRs is in the filter is not filtered, as in kube-proxy), sorted. With no filter at
   * all kube-proxy accepts NodePorts on every local address: a backend may match the kernel's
   * local addresses then (`addrtype LOCAL`); these are the ones the node object names, which
   * the simulator answers for.
   */
  readonly nodePortAddresses: readonly FamilyAddress[];
  /** NodePorts also answer on 127.0.0.1 (kube-proxy's localhost NodePorts, IPv4 only). */
  readonly localhostNodePorts: boolean;
}

/** What the service proxy programs on one node. */
export interface ProxyPlan {
  readonly node: string;
  /** Plan-wide: a change here makes backends rewrite every service port. */
  readonly settings: ProxySettings;
  /** By key (`namespace/name:portName/PROTOCOL`). */
  readonly servicePorts: FragmentMap<ServicePortPlan>;
}
