import type { IPFamily, NamespacedMeta, Protocol, StringMap } from './common.js';

/** `spec.type` of a Service. */
export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

/** `externalTrafficPolicy` and `internalTrafficPolicy` values. */
export type TrafficPolicy = 'Cluster' | 'Local';

/** `spec.ipFamilyPolicy`. */
export type IPFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

/** One entry of `spec.ports`. */
export interface ServicePort {
  /** Empty string when the service has a single unnamed port. */
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** A number, or the name of a container port resolved per endpoint. Defaults to `port`. */
  readonly targetPort: number | string;
  /** Set for NodePort and LoadBalancer services (unless node port allocation is off). */
  readonly nodePort?: number | undefined;
  readonly appProtocol?: string | undefined;
}

/** One entry of `status.loadBalancer.ingress`. */
export interface LoadBalancerIngress {
  readonly ip?: string | undefined;
  readonly hostname?: string | undefined;
  /** `VIP` (default): the node handles the IP itself; `Proxy`: the load balancer does. */
  readonly ipMode: 'VIP' | 'Proxy';
}

/** A Service as the service proxy needs it. */
export interface Service extends NamespacedMeta {
  readonly kind: 'Service';
  readonly type: ServiceType;
  /** `spec.selector`; undefined when the service has none (endpoints managed by hand). */
  readonly selector?: StringMap | undefined;
  /** `spec.clusterIPs` without "None"; empty for headless and ExternalName services. */
  readonly clusterIPs: readonly string[];
  /** True for `clusterIP: None`. */
  readonly headless: boolean;
  readonly ipFamilies: readonly IPFamily[];
  readonly ipFamilyPolicy?: IPFamilyPolicy | undefined;
  readonly ports: readonly ServicePort[];
  readonly externalIPs: readonly string[];
  readonly loadBalancerIngress: readonly LoadBalancerIngress[];
  readonly loadBalancerSourceRanges: readonly string[];
  readonly loadBalancerClass?: string | undefined;
  readonly sessionAffinity: 'None' | 'ClientIP';
  /** `sessionAffinityConfig.clientIP.timeoutSeconds`; Kubernetes' default is 10800. */
  readonly sessionAffinityTimeoutSeconds: number;
  readonly externalTrafficPolicy: TrafficPolicy;
  readonly internalTrafficPolicy: TrafficPolicy;
  readonly healthCheckNodePort?: number | undefined;
  readonly publishNotReadyAddresses: boolean;
  readonly externalName?: string | undefined;
}
