import type {
  EndpointSlice,
  ModelObject,
  Namespace,
  NetworkPolicy,
  Node,
  ObjectKind,
  Pod,
  Problem,
  Service,
} from '../model/index.js';
import { namespacedKey } from '../model/index.js';
import { labelIndexKey, nodeIndexKey, serviceIndexKey } from './index-keys.js';
import { SortedTable, type SortedView } from './sorted-table.js';

/** Where an object came from, kept so duplicates and dangling references can name it. */
export interface ObjectOrigin {
  /** `file.yaml:12`, when the source said. */
  readonly origin?: string | undefined;
  /** The name of the sink that delivered it (one per source). */
  readonly sink: string;
}

/**
 * Immutable views of every table at one moment: what a snapshot reads. Each view shares its
 * structure with the live tables (see {@link SortedTable}).
 */
export interface TableViews {
  readonly nodes: SortedView<Node>;
  readonly namespaces: SortedView<Namespace>;
  readonly pods: SortedView<Pod>;
  readonly services: SortedView<Service>;
  readonly endpointSlices: SortedView<EndpointSlice>;
  readonly networkPolicies: SortedView<NetworkPolicy>;
  /** Pods by `nodeName NUL podKey`. */
  readonly podsByNode: SortedView<Pod>;
  /** Pods by `labelKey NUL labelValue NUL podKey`. */
  readonly podsByLabel: SortedView<Pod>;
  /** Slices by `namespace/serviceName NUL sliceKey`. */
  readonly slicesByService: SortedView<EndpointSlice>;
  /** Problems of each object, by `Kind NUL key`. */
  readonly objectProblems: SortedView<readonly Problem[]>;
  readonly origins: SortedView<ObjectOrigin>;
  /** Problems not tied to an object (a bad file), in arrival order. */
  readonly sourceProblems: readonly Problem[];
}

/**
 * The live, mutable tables of a `ClusterStore`: one sorted table per kind plus the
 * secondary indexes, kept in step by {@link StoreTables.put} and {@link StoreTables.delete}.
 * Indexes are maintained incrementally, so a snapshot never rebuilds them.
 */
export class StoreTables {
  private readonly nodes = new SortedTable<Node>();
  private readonly namespaces = new SortedTable<Namespace>();
  private readonly pods = new SortedTable<Pod>();
  private readonly services = new SortedTable<Service>();
  private readonly endpointSlices = new SortedTable<EndpointSlice>();
  private readonly networkPolicies = new SortedTable<NetworkPolicy>();
  private readonly podsByNode = new SortedTable<Pod>();
  private readonly podsByLabel = new SortedTable<Pod>();
  private readonly slicesByService = new SortedTable<EndpointSlice>();
  /** Problems of each object, by `Kind NUL key`. */
  readonly objectProblems = new SortedTable<readonly Problem[]>();
  /** Origin of each stored object, by `Kind NUL key`. */
  readonly origins = new SortedTable<ObjectOrigin>();
  private sourceProblems: readonly Problem[] = Object.freeze([]);

  /** The stored object of `kind` under `key`. */
  get(kind: ObjectKind, key: string): ModelObject | undefined {
    return this.tableOf(kind).get(key);
  }

  /** Stores `object`, replacing and un-indexing the one it replaces. */
  put(object: ModelObject): void {
    const previous = this.tableOf(object.kind).set(object.key, object);
    if (object.kind === 'Pod') {
      if (previous) this.unindexPod(previous as Pod);
      this.indexPod(object);
    } else if (object.kind === 'EndpointSlice') {
      if (previous) this.slicesByService.delete(sliceIndexKey(previous as EndpointSlice));
      this.slicesByService.set(sliceIndexKey(object), object);
    }
  }

  /** Removes the object of `kind` under `key`; returns it. */
  delete(kind: ObjectKind, key: string): ModelObject | undefined {
    const previous = this.tableOf(kind).delete(key);
    if (previous?.kind === 'Pod') this.unindexPod(previous);
    else if (previous?.kind === 'EndpointSlice') this.slicesByService.delete(sliceIndexKey(previous));
    return previous;
  }

  /** Appends a source-level problem, unless an identical one is already recorded. */
  addSourceProblem(problem: Problem): boolean {
    if (this.sourceProblems.some((known) => sameProblem(known, problem))) return false;
    // Copy on append: source problems are rare, and the old array may belong to a snapshot.
    this.sourceProblems = Object.freeze([...this.sourceProblems, problem]);
    return true;
  }

  /** Immutable views of every table; later writes copy what they touch. */
  views(): TableViews {
    return {
      nodes: this.nodes.view(),
      namespaces: this.namespaces.view(),
      pods: this.pods.view(),
      services: this.services.view(),
      endpointSlices: this.endpointSlices.view(),
      networkPolicies: this.networkPolicies.view(),
      podsByNode: this.podsByNode.view(),
      podsByLabel: this.podsByLabel.view(),
      slicesByService: this.slicesByService.view(),
      objectProblems: this.objectProblems.view(),
      origins: this.origins.view(),
      sourceProblems: this.sourceProblems,
    };
  }

  private indexPod(pod: Pod): void {
    if (pod.nodeName !== undefined) this.podsByNode.set(nodeIndexKey(pod.nodeName, pod.key), pod);
    for (const [labelKey, labelValue] of Object.entries(pod.labels)) {
      this.podsByLabel.set(labelIndexKey(labelKey, labelValue, pod.key), pod);
    }
  }

  private unindexPod(pod: Pod): void {
    if (pod.nodeName !== undefined) this.podsByNode.delete(nodeIndexKey(pod.nodeName, pod.key));
    for (const [labelKey, labelValue] of Object.entries(pod.labels)) {
      this.podsByLabel.delete(labelIndexKey(labelKey, labelValue, pod.key));
    }
  }

  private tableOf(kind: ObjectKind): SortedTable<ModelObject> {
    // The casts are sound: put/delete only ever store objects under their own kind's table.
    switch (kind) {
      case 'Node':
        return this.nodes as SortedTable<ModelObject>;
      case 'Namespace':
        return this.namespaces as SortedTable<ModelObject>;
      case 'Pod':
        return this.pods as SortedTable<ModelObject>;
      case 'Service':
        return this.services as SortedTable<ModelObject>;
      case 'EndpointSlice':
        return this.endpointSlices as SortedTable<ModelObject>;
      case 'NetworkPolicy':
        return this.networkPolicies as SortedTable<ModelObject>;
    }
  }
}

function sliceIndexKey(slice: EndpointSlice): string {
  return serviceIndexKey(namespacedKey(slice.namespace, slice.serviceName), slice.key);
}

function sameProblem(a: Problem, b: Problem): boolean {
  return (
    a.kind === b.kind &&
    a.namespace === b.namespace &&
    a.name === b.name &&
    a.field === b.field &&
    a.message === b.message &&
    a.severity === b.severity &&
    a.origin === b.origin
  );
}
