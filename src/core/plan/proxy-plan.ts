import type { IPFamily, Protocol } from '../model/index.js';

/** How a service port is reached. NodePort frontends have no IP: they listen on node addresses. */
export type FrontendKind = 'ClusterIP' | 'NodePort' | 'ExternalIP' | 'LoadBalancer';

/** One address and port on which a service port accepts traffic on this node. */
export interface ProxyFrontend {
  readonly kind: FrontendKind;
  /** The VIP; undefined for NodePort, which matches the node addresses the options allow. */
  readonly ip?: string | undefined;
  readonly family: IPFamily;
  readonly port: number;
  /**
   * Which endpoint set this frontend uses: `Cluster` (all usable endpoints) or `Local`
   * (only this node's), after externalTrafficPolicy/internalTrafficPolicy.
   */
  readonly trafficPolicy: 'Cluster' | 'Local';
  /** LoadBalancer source ranges; empty means every source is allowed. */
  readonly sourceRanges: readonly string[];
}

/** One endpoint the proxy may forward to. */
export interface ProxyEndpoint {
  readonly ip: string;
  readonly port: number;
  readonly nodeName?: string | undefined;
  /** True when the endpoint runs on the planned node. */
  readonly local: boolean;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

/**
 * Everything the proxy programs for one service port (kube-proxy's ServicePortName):
 * frontends, the endpoints each traffic policy resolves to, affinity and what to do with no
 * endpoints. Backends render one of these per fragment.
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
   * Endpoints for `Cluster` policy frontends, after the terminating fallback (decided per
   * family). Both families share the list; backends pick those of a frontend's family. Empty
   * when no frontend uses the `Cluster` policy.
   */
  readonly clusterEndpoints: readonly ProxyEndpoint[];
  /** Endpoints for `Local` policy frontends (this node's), likewise; empty when none uses it. */
  readonly localEndpoints: readonly ProxyEndpoint[];
  /** ClientIP session affinity timeout; undefined when affinity is None. */
  readonly affinityTimeoutSeconds?: number | undefined;
  /** Health check node port of an externalTrafficPolicy: Local load balancer service. */
  readonly healthCheckNodePort?: number | undefined;
}

/** Node-wide proxy settings the planner resolved from options. */
export interface ProxySettings {
  readonly clusterCIDRs: readonly string[];
  readonly masqueradeAll: boolean;
  /** Node addresses on which NodePorts listen; empty means all of the node's addresses. */
  readonly nodePortAddresses: readonly string[];
}

/** What the service proxy programs on one node. */
export interface ProxyPlan {
  readonly node: string;
  readonly settings: ProxySettings;
  /** Sorted by key. */
  readonly servicePorts: readonly ServicePortPlan[];
}
