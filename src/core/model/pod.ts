import type { NamespacedMeta, Protocol } from './common.js';

/** A container port a pod declares; named ports are what Services and policies may refer to. */
export interface ContainerPort {
  readonly name?: string | undefined;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

/** A container, reduced to what networking needs. */
export interface Container {
  readonly name: string;
  readonly ports: readonly ContainerPort[];
}

/** `status.phase` of a pod. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** A pod as the networking concerns need it. */
export interface Pod extends NamespacedMeta {
  readonly kind: 'Pod';
  /** `spec.nodeName`; undefined while the pod is not scheduled. */
  readonly nodeName?: string | undefined;
  readonly hostNetwork: boolean;
  readonly phase: PodPhase;
  /** `status.podIPs` (falling back to `status.podIP`), at most one per family, in API order. */
  readonly podIPs: readonly string[];
  /** Init containers' ports are not included: they never serve traffic. */
  readonly containers: readonly Container[];
}
