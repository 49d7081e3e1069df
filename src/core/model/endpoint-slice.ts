import type { NamespacedMeta, Protocol } from './common.js';

/** `addressType` of an EndpointSlice. FQDN slices are kept but carry no IP endpoints. */
export type EndpointAddressType = 'IPv4' | 'IPv6' | 'FQDN';

/**
 * Endpoint conditions. Kubernetes treats an unset `ready` as true, an unset `serving` as
 * equal to `ready`, and an unset `terminating` as false; the model stores resolved values.
 */
export interface EndpointConditions {
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

/** One endpoint of a slice. */
export interface Endpoint {
  readonly addresses: readonly string[];
  readonly conditions: EndpointConditions;
  readonly nodeName?: string | undefined;
  readonly zone?: string | undefined;
  readonly hostname?: string | undefined;
  /** `namespace/name` of the pod behind the endpoint, when `targetRef` is a Pod. */
  readonly podKey?: string | undefined;
}

/** A port of a slice; `name` matches the service port's name. */
export interface EndpointPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
  readonly appProtocol?: string | undefined;
}

/** An EndpointSlice, tied to its service by the `kubernetes.io/service-name` label. */
export interface EndpointSlice extends NamespacedMeta {
  readonly kind: 'EndpointSlice';
  /** The `kubernetes.io/service-name` label: the service this slice belongs to. */
  readonly serviceName: string;
  readonly addressType: EndpointAddressType;
  readonly endpoints: readonly Endpoint[];
  readonly ports: readonly EndpointPort[];
}

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
