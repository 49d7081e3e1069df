import {
  matchesSelector,
  type EndpointSlice,
  type LabelSelector,
  type ModelObject,
  type Namespace,
  type NetworkPolicy,
  type Node,
  type ObjectKind,
  type Pod,
  type Problem,
  type Service,
} from '../../src/core/model/index.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';

function byKey<T extends { readonly key: string }>(objects: readonly T[]): readonly T[] {
  return [...objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * A test fake of `ClusterSnapshot` over plain arrays: lists sorted by key, lookups by linear
 * filters. It does none of the store's validation or defaulting; tests give finished model
 * objects.
 */
export class ArraySnapshot implements ClusterSnapshot {
  readonly generation = 1;
  private readonly nodeList: readonly Node[];
  private readonly namespaceList: readonly Namespace[];
  private readonly podList: readonly Pod[];
  private readonly serviceList: readonly Service[];
  private readonly sliceList: readonly EndpointSlice[];
  private readonly policyList: readonly NetworkPolicy[];

  constructor(objects: readonly ModelObject[]) {
    this.nodeList = byKey(objects.filter((o): o is Node => o.kind === 'Node'));
    this.namespaceList = byKey(objects.filter((o): o is Namespace => o.kind === 'Namespace'));
    this.podList = byKey(objects.filter((o): o is Pod => o.kind === 'Pod'));
    this.serviceList = byKey(objects.filter((o): o is Service => o.kind === 'Service'));
    this.sliceList = byKey(objects.filter((o): o is EndpointSlice => o.kind === 'EndpointSlice'));
    this.policyList = byKey(objects.filter((o): o is NetworkPolicy => o.kind === 'NetworkPolicy'));
  }

  nodes(): readonly Node[] {
    return this.nodeList;
  }
  node(name: string): Node | undefined {
    return this.nodeList.find((node) => node.name === name);
  }
  namespaces(): readonly Namespace[] {
    return this.namespaceList;
  }
  namespace(name: string): Namespace | undefined {
    return this.namespaceList.find((namespace) => namespace.name === name);
  }
  pods(): readonly Pod[] {
    return this.podList;
  }
  pod(key: string): Pod | undefined {
    return this.podList.find((pod) => pod.key === key);
  }
  podsInNamespace(namespace: string): readonly Pod[] {
    return this.podList.filter((pod) => pod.namespace === namespace);
  }
  podsOnNode(nodeName: string): readonly Pod[] {
    return this.podList.filter((pod) => pod.nodeName === nodeName);
  }
  podsWithLabel(key: string, value: string): readonly Pod[] {
    return this.podList.filter((pod) => pod.labels[key] === value);
  }
  podsMatching(selector: LabelSelector, namespace?: string): readonly Pod[] {
    return this.podList.filter(
      (pod) => (namespace === undefined || pod.namespace === namespace) && matchesSelector(selector, pod.labels),
    );
  }
  services(): readonly Service[] {
    return this.serviceList;
  }
  service(key: string): Service | undefined {
    return this.serviceList.find((service) => service.key === key);
  }
  servicesInNamespace(namespace: string): readonly Service[] {
    return this.serviceList.filter((service) => service.namespace === namespace);
  }
  endpointSlices(): readonly EndpointSlice[] {
    return this.sliceList;
  }
  endpointSlicesForService(serviceKey: string): readonly EndpointSlice[] {
    return this.sliceList.filter((slice) => `${slice.namespace}/${slice.serviceName}` === serviceKey);
  }
  networkPolicies(): readonly NetworkPolicy[] {
    return this.policyList;
  }
  networkPolicy(key: string): NetworkPolicy | undefined {
    return this.policyList.find((policy) => policy.key === key);
  }
  policiesInNamespace(namespace: string): readonly NetworkPolicy[] {
    return this.policyList.filter((policy) => policy.namespace === namespace);
  }
  problems(): readonly Problem[] {
    return [];
  }
  counts(): Readonly<Record<ObjectKind, number>> {
    return {
      Node: this.nodeList.length,
      Namespace: this.namespaceList.length,
      Pod: this.podList.length,
      Service: this.serviceList.length,
      EndpointSlice: this.sliceList.length,
      NetworkPolicy: this.policyList.length,
    };
  }
}

/** A snapshot holding `objects`. */
export function snapshotOf(...objects: ModelObject[]): ClusterSnapshot {
  return new ArraySnapshot(objects);
}
