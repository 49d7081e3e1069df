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

  /** Every node, sorted by name. */
  nodes(): readonly Node[];
  /** The node called `name`, if any. */
  node(name: string): Node | undefined;

  /** Every namespace, sorted by name. */
  namespaces(): readonly Namespace[];
  /** The namespace called `name`, if any. */
  namespace(name: string): Namespace | undefined;

  /** Every pod, sorted by `namespace/name`. */
  pods(): readonly Pod[];
  /** The pod with this key, if any. @param key `namespace/name` */
  pod(key: string): Pod | undefined;
  /** The pods of one namespace, sorted by key. */
  podsInNamespace(namespace: string): readonly Pod[];
  /** The pods whose `nodeName` is `nodeName` (hostNetwork pods included), sorted by key. */
  podsOnNode(nodeName: string): readonly Pod[];
  /** Pods carrying label `key` with `value` (an index lookup, not a scan). */
  podsWithLabel(key: string, value: string): readonly Pod[];
  /** Pods in `namespace` (every namespace when undefined) whose labels match `selector`. */
  podsMatching(selector: LabelSelector, namespace?: string): readonly Pod[];

  /** Every service, sorted by key. */
  services(): readonly Service[];
  /** The service with this key, if any. @param key `namespace/name` */
  service(key: string): Service | undefined;
  /** The services of one namespace, sorted by key. */
  servicesInNamespace(namespace: string): readonly Service[];

  /** Every endpoint slice, sorted by key. */
  endpointSlices(): readonly EndpointSlice[];
  /** The slices whose service-name label names this service. @param serviceKey `namespace/name` */
  endpointSlicesForService(serviceKey: string): readonly EndpointSlice[];

  /** Every network policy, sorted by key. */
  networkPolicies(): readonly NetworkPolicy[];
  /** The network policy with this key, if any. @param key `namespace/name` */
  networkPolicy(key: string): NetworkPolicy | undefined;
  /** The network policies of one namespace (the pods they can select), sorted by key. */
  policiesInNamespace(namespace: string): readonly NetworkPolicy[];

  /** Every problem found in the current objects (and source-level problems such as bad files). */
  problems(): readonly Problem[];

  /** How many objects of each kind the snapshot holds. */
  counts(): Readonly<Record<ObjectKind, number>>;
}
