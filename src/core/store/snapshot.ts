import type {
  EndpointSlice,
  LabelSelector,
  Namespace,
  NetworkPolicy,
  Node,
  ObjectKind,
  Pod,
  Problem,
  Service,
} from '../model/index.js';

/**
 * An immutable view of the cluster at one moment. Planners read only this.
 *
 * Every list is in a deterministic order: sorted by key (`name` for cluster-scoped objects,
 * `namespace/name` otherwise), so plans and printed output never depend on event order.
 */
export interface ClusterSnapshot {
  /** Increases by one with every applied change; equal generations mean equal content. */
  readonly generation: number;

  nodes(): readonly Node[];
  node(name: string): Node | undefined;

  namespaces(): readonly Namespace[];
  namespace(name: string): Namespace | undefined;

  pods(): readonly Pod[];
  /** @param key `namespace/name` */
  pod(key: string): Pod | undefined;
  podsInNamespace(namespace: string): readonly Pod[];
  podsOnNode(nodeName: string): readonly Pod[];
  /** Pods carrying label `key` with `value` (an index lookup, not a scan). */
  podsWithLabel(key: string, value: string): readonly Pod[];
  /** Pods in `namespace` (every namespace when undefined) whose labels match `selector`. */
  podsMatching(selector: LabelSelector, namespace?: string): readonly Pod[];

  services(): readonly Service[];
  /** @param key `namespace/name` */
  service(key: string): Service | undefined;
  servicesInNamespace(namespace: string): readonly Service[];

  endpointSlices(): readonly EndpointSlice[];
  /** The slices whose service-name label names this service. @param serviceKey `namespace/name` */
  endpointSlicesForService(serviceKey: string): readonly EndpointSlice[];

  networkPolicies(): readonly NetworkPolicy[];
  /** @param key `namespace/name` */
  networkPolicy(key: string): NetworkPolicy | undefined;
  policiesInNamespace(namespace: string): readonly NetworkPolicy[];

  /** Every problem found in the current objects (and source-level problems such as bad files). */
  problems(): readonly Problem[];

  /** How many objects of each kind the snapshot holds. */
  counts(): Readonly<Record<ObjectKind, number>>;
}
