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
import { podLabelIndexEntries, podNodeIndexEntries } from './pod-index-bulk.js';
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
  /**
   * Pods by `labelKey NUL labelValue NUL podKey`. Until a store first needs it, built on the
   * first read of this property, from `pods` (see `StoreTables`).
   */
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
 * Every table holds its writes until the next view: a batch (a whole manifest file, an
 * informer's initial list) is applied to each tree once, in key order, at the snapshot after
 * it, rather than as one tree write per object and index entry (see `TableWrites`). Tables
 * read during a batch buffer (reads see the writes); the indexes, read only through views,
 * log.
 */
const BUFFERED = { writes: 'buffered' } as const;
const LOGGED = { writes: 'logged' } as const;

/**
 * The live, mutable tables of a `ClusterStore`: one sorted table per kind plus the
 * secondary indexes, kept in step by {@link StoreTables.put} and {@link StoreTables.delete}.
 * Indexes are maintained incrementally once built, so a snapshot never rebuilds them; the pod
 * indexes are first built at once, the node index by the first view that holds pods and the
 * label index by the first snapshot asked for pods by label.
 */
export class StoreTables {
  private readonly nodes = new SortedTable<Node>(BUFFERED);
  private readonly namespaces = new SortedTable<Namespace>(BUFFERED);
  private readonly pods = new SortedTable<Pod>(BUFFERED);
  private readonly services = new SortedTable<Service>(BUFFERED);
  private readonly endpointSlices = new SortedTable<EndpointSlice>(BUFFERED);
  private readonly networkPolicies = new SortedTable<NetworkPolicy>(BUFFERED);
  private readonly podsByNode = new SortedTable<Pod>(LOGGED);
  /** Replaced once, by the first label index a snapshot built (see `labelIndexDeferred`). */
  private podsByLabel = new SortedTable<Pod>(LOGGED);
  private readonly slicesByService = new SortedTable<EndpointSlice>(LOGGED);
  /** Problems of each object, by `Kind NUL key`. */
  readonly objectProblems = new SortedTable<readonly Problem[]>(BUFFERED);
  /** Origin of each stored object, by `Kind NUL key`. */
  readonly origins = new SortedTable<ObjectOrigin>(BUFFERED);
  /** Source-level problems by {@link problemKey}, in arrival order (a Map keeps insertion order). */
  private readonly sourceProblems = new Map<string, Problem>();
  /** The keys of the source problems of each name (a file's path), for withdrawing them. */
  private readonly sourceProblemsByName = new Map<string, Set<string>>();
  /**
   * True until the first view that holds pods: until then the pod indexes are not written
   * pod by pod but built at once, by that view, from the sorted pods (`pod-index-bulk.ts`).
   */
  private podIndexesDeferred = true;
  /**
   * True until a snapshot is first asked for pods by label: until then the label index (four
   * entries for a pod with three labels, the largest index) is not written at all, so a load
   * that only lists and counts never pays for it. The first snapshot asked builds it from its
   * own pods (`labelIndexOf`); the next view adopts that table and brings it up to date with
   * the pods written since (a diff of two pod views, as long as the change), and from then on
   * the index is written pod by pod like the others.
   */
  private labelIndexDeferred = true;
  /** The label index a snapshot built while the index was deferred, and the pods it holds. */
  private builtLabelIndex: { readonly pods: SortedView<Pod>; readonly table: SortedTable<Pod> } | undefined;
  /** The frozen list handed to snapshots; rebuilt only after a new problem arrived. */
  private sourceProblemList: readonly Problem[] | undefined = Object.freeze([]);

  /** The stored object of `kind` under `key`. */
  get(kind: ObjectKind, key: string): ModelObject | undefined {
    return this.tableOf(kind).get(key);
  }

  /** Stores `object`, replacing and un-indexing the one it replaces. */
  put(object: ModelObject): void {
    this.replace(object, this.get(object.kind, object.key));
  }

  /**
   * {@link StoreTables.put} for a caller that has just read what is stored under the object's
   * kind and key (`previous`, undefined when nothing is), saving a second lookup.
   */
  replace(object: ModelObject, previous: ModelObject | undefined): void {
    this.tableOf(object.kind).put(object.key, object);
    if (object.kind === 'Pod') {
      if (previous) this.unindexPod(previous as Pod);
      this.indexPod(object);
    } else if (object.kind === 'EndpointSlice') {
      if (previous) this.slicesByService.remove(sliceIndexKey(previous as EndpointSlice));
      this.slicesByService.put(sliceIndexKey(object), object);
    }
  }

  /** Removes the object of `kind` under `key`; returns it. */
  delete(kind: ObjectKind, key: string): ModelObject | undefined {
    const previous = this.tableOf(kind).delete(key);
    if (previous?.kind === 'Pod') this.unindexPod(previous);
    else if (previous?.kind === 'EndpointSlice') this.slicesByService.remove(sliceIndexKey(previous));
    return previous;
  }

  /** Appends a source-level problem, unless an identical one is already recorded. */
  addSourceProblem(problem: Problem): boolean {
    // Keyed, so a bad input of many thousand broken documents costs one lookup per problem
    // rather than a scan and a copy of every earlier one.
    const key = problemKey(problem);
    if (this.sourceProblems.has(key)) return false;
    this.sourceProblems.set(key, problem);
    if (problem.name !== undefined) {
      const keys = this.sourceProblemsByName.get(problem.name);
      if (keys === undefined) this.sourceProblemsByName.set(problem.name, new Set([key]));
      else keys.add(key);
    }
    this.sourceProblemList = undefined;
    return true;
  }

  /** Removes every source-level problem named `name`; true when there was one. */
  removeSourceProblemsNamed(name: string): boolean {
    const keys = this.sourceProblemsByName.get(name);
    if (keys === undefined) return false;
    for (const key of keys) this.sourceProblems.delete(key);
    this.sourceProblemsByName.delete(name);
    this.sourceProblemList = undefined;
    return true;
  }

  /**
   * The source problems as a frozen list, built once per change: snapshots taken between two
   * new problems share it, and a snapshot's list never changes after it was taken.
   */
  private sourceProblemView(): readonly Problem[] {
    this.sourceProblemList ??= Object.freeze([...this.sourceProblems.values()]);
    return this.sourceProblemList;
  }

  /** Immutable views of every table; later writes copy what they touch. */
  views(): TableViews {
    if (this.podIndexesDeferred) this.buildNodeIndex();
    if (this.builtLabelIndex !== undefined) this.adoptLabelIndex(this.builtLabelIndex);
    const pods = this.pods.view();
    let podsByLabel = this.labelIndexDeferred ? undefined : this.podsByLabel.view();
    const tables = this;
    return {
      nodes: this.nodes.view(),
      namespaces: this.namespaces.view(),
      pods,
      services: this.services.view(),
      endpointSlices: this.endpointSlices.view(),
      networkPolicies: this.networkPolicies.view(),
      podsByNode: this.podsByNode.view(),
      get podsByLabel(): SortedView<Pod> {
        podsByLabel ??= tables.labelIndexOf(pods);
        return podsByLabel;
      },
      slicesByService: this.slicesByService.view(),
      objectProblems: this.objectProblems.view(),
      origins: this.origins.view(),
      sourceProblems: this.sourceProblemView(),
    };
  }

  /** Builds the node index from the pods, once there are pods (see `podIndexesDeferred`). */
  private buildNodeIndex(): void {
    const pods = this.pods.view().values();
    if (pods.length === 0) return;
    const byNode = podNodeIndexEntries(pods);
    this.podsByNode.load(byNode.keys, byNode.values);
    this.podIndexesDeferred = false;
  }

  /**
   * The label index of the pods of `pods`, built for a snapshot while the live index is
   * deferred (see `labelIndexDeferred`); kept for the next view to adopt.
   */
  private labelIndexOf(pods: SortedView<Pod>): SortedView<Pod> {
    const table = new SortedTable<Pod>(LOGGED);
    const entries = podLabelIndexEntries(pods.values());
    table.load(entries.keys, entries.values);
    if (this.labelIndexDeferred) this.builtLabelIndex = { pods, table };
    return table.view();
  }

  /** Makes `built` the live label index, with the pods written since it was built. */
  private adoptLabelIndex(built: { readonly pods: SortedView<Pod>; readonly table: SortedTable<Pod> }): void {
    this.builtLabelIndex = undefined;
    const current = this.pods.view();
    const { changed, removed } = current.diff(built.pods);
    for (const key of removed) unindexLabels(built.table, built.pods.get(key)!);
    for (const key of changed) {
      const before = built.pods.get(key);
      if (before !== undefined) unindexLabels(built.table, before);
      indexLabels(built.table, current.get(key)!);
    }
    this.podsByLabel = built.table;
    this.labelIndexDeferred = false;
  }

  // The two indexes are deferred apart: a label index adopted while the store held no pods
  // (so before the node index is built) is written from the next pod on.
  private indexPod(pod: Pod): void {
    if (!this.podIndexesDeferred && pod.nodeName !== undefined) this.podsByNode.put(nodeIndexKey(pod.nodeName, pod.key), pod);
    if (!this.labelIndexDeferred) indexLabels(this.podsByLabel, pod);
  }

  private unindexPod(pod: Pod): void {
    if (!this.podIndexesDeferred && pod.nodeName !== undefined) this.podsByNode.remove(nodeIndexKey(pod.nodeName, pod.key));
    if (!this.labelIndexDeferred) unindexLabels(this.podsByLabel, pod);
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

/** Writes `pod` under each of its labels in a label index. */
function indexLabels(index: SortedTable<Pod>, pod: Pod): void {
  for (const [labelKey, labelValue] of Object.entries(pod.labels)) index.put(labelIndexKey(labelKey, labelValue, pod.key), pod);
}

/** Removes `pod` from under each of its labels in a label index. */
function unindexLabels(index: SortedTable<Pod>, pod: Pod): void {
  for (const [labelKey, labelValue] of Object.entries(pod.labels)) index.remove(labelIndexKey(labelKey, labelValue, pod.key));
}

function sliceIndexKey(slice: EndpointSlice): string {
  return serviceIndexKey(namespacedKey(slice.namespace, slice.serviceName), slice.key);
}

/**
 * Identity of a problem: every field, so two problems share a key exactly when they are equal.
 * JSON of an array keeps `undefined` (as `null`) apart from an empty string, and escapes any
 * separator the fields could hold.
 */
function problemKey(problem: Problem): string {
  const { kind, namespace, name, field, message, severity, origin } = problem;
  return JSON.stringify([kind, namespace ?? null, name ?? null, field, message, severity, origin ?? null]);
}
