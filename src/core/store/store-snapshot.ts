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
import { matchesSelector, selectsEverything } from '../model/index.js';
import { danglingReferenceProblems } from './dangling-references.js';
import { nodeCidrProblems } from './node-cidr-problems.js';
import { labelIndexPrefix, namespacePrefix, nodeIndexPrefix, serviceIndexPrefix, SEPARATOR } from './index-keys.js';
import type { ClusterSnapshot } from './snapshot.js';
import type { SortedView } from './sorted-table.js';
import type { TableViews } from './store-tables.js';

const EMPTY: readonly never[] = Object.freeze([]);

/**
 * The {@link ClusterSnapshot} a `ClusterStore` hands out: a set of immutable table views
 * (shared, not copied, with the store) plus per-snapshot caches.
 *
 * Nothing is computed up front. Full lists, index lookups, selector matches and the problem
 * list are computed on first use and cached in this snapshot, so a controller that only asks
 * for the pods of one node pays for that lookup alone, and a second caller gets the same array.
 * Every returned array is frozen.
 */
export class StoreSnapshot implements ClusterSnapshot {
  private readonly lookups = new Map<string, readonly unknown[]>();
  private cachedProblems: readonly Problem[] | undefined;

  /**
   * @param generation the store generation this snapshot shows
   * @param views the table views it reads
   */
  constructor(
    readonly generation: number,
    private readonly views: TableViews,
  ) {}

  nodes(): readonly Node[] {
    return this.views.nodes.values();
  }

  node(name: string): Node | undefined {
    return this.views.nodes.get(name);
  }

  namespaces(): readonly Namespace[] {
    return this.views.namespaces.values();
  }

  namespace(name: string): Namespace | undefined {
    return this.views.namespaces.get(name);
  }

  pods(): readonly Pod[] {
    return this.views.pods.values();
  }

  pod(key: string): Pod | undefined {
    return this.views.pods.get(key);
  }

  podsInNamespace(namespace: string): readonly Pod[] {
    return this.range('pods-ns', this.views.pods, namespacePrefix(namespace));
  }

  podsOnNode(nodeName: string): readonly Pod[] {
    return this.range('pods-node', this.views.podsByNode, nodeIndexPrefix(nodeName));
  }

  podsWithLabel(key: string, value: string): readonly Pod[] {
    return this.range('pods-label', this.views.podsByLabel, labelIndexPrefix(key, value));
  }

  podsMatching(selector: LabelSelector, namespace?: string): readonly Pod[] {
    const cacheKey = `pods-match${SEPARATOR}${namespace ?? ''}${SEPARATOR}${selectorCacheKey(selector)}`;
    return this.cached(cacheKey, () => {
      const candidates = this.selectorCandidates(selector, namespace);
      if (selectsEverything(selector)) return candidates;
      return candidates.filter(
        (pod) => (namespace === undefined || pod.namespace === namespace) && matchesSelector(selector, pod.labels),
      );
    });
  }

  services(): readonly Service[] {
    return this.views.services.values();
  }

  service(key: string): Service | undefined {
    return this.views.services.get(key);
  }

  servicesInNamespace(namespace: string): readonly Service[] {
    return this.range('services-ns', this.views.services, namespacePrefix(namespace));
  }

  endpointSlices(): readonly EndpointSlice[] {
    return this.views.endpointSlices.values();
  }

  endpointSlicesForService(serviceKey: string): readonly EndpointSlice[] {
    return this.range('slices-service', this.views.slicesByService, serviceIndexPrefix(serviceKey));
  }

  networkPolicies(): readonly NetworkPolicy[] {
    return this.views.networkPolicies.values();
  }

  networkPolicy(key: string): NetworkPolicy | undefined {
    return this.views.networkPolicies.get(key);
  }

  policiesInNamespace(namespace: string): readonly NetworkPolicy[] {
    return this.range('policies-ns', this.views.networkPolicies, namespacePrefix(namespace));
  }

  /**
   * Source-level problems (in arrival order), then each object's conversion problems (by kind,
   * then key), then dangling references: slices of services that do not exist and pods on
   * nodes that do not exist. The last are computed here, from this snapshot's content, so they
   * appear and vanish as services and nodes come and go without the store tracking them.
   */
  problems(): readonly Problem[] {
    if (this.cachedProblems === undefined) {
      const objectProblems: Problem[] = [];
      for (const problems of this.views.objectProblems.values()) objectProblems.push(...problems);
      this.cachedProblems = Object.freeze([
        ...this.views.sourceProblems,
        ...objectProblems,
        ...danglingReferenceProblems(this.views),
        ...nodeCidrProblems(this.views),
      ]);
    }
    return this.cachedProblems;
  }

  counts(): Readonly<Record<ObjectKind, number>> {
    return Object.freeze({
      Node: this.views.nodes.size,
      Namespace: this.views.namespaces.size,
      Pod: this.views.pods.size,
      Service: this.views.services.size,
      EndpointSlice: this.views.endpointSlices.size,
      NetworkPolicy: this.views.networkPolicies.size,
    });
  }

  /** Where the object of `kind` under `key` came from (e.g. `pods.yaml:12`), if known. */
  originOf(kind: ObjectKind, key: string): string | undefined {
    return this.views.origins.get(`${kind}${SEPARATOR}${key}`)?.origin;
  }

  private selectorCandidates(selector: LabelSelector, namespace: string | undefined): readonly Pod[] {
    // An equality term narrows through the label index; the smallest candidate list is filtered.
    let best: readonly Pod[] | undefined;
    for (const [key, value] of Object.entries(selector.matchLabels)) {
      const list = this.podsWithLabel(key, value);
      if (best === undefined || list.length < best.length) best = list;
    }
    for (const requirement of selector.matchExpressions) {
      if (requirement.operator !== 'In' || requirement.values.length !== 1) continue;
      const list = this.podsWithLabel(requirement.key, requirement.values[0] as string);
      if (best === undefined || list.length < best.length) best = list;
    }
    // A namespace's own pods are often fewer than the pods carrying a common label cluster-wide.
    const scope = namespace === undefined ? this.pods() : this.podsInNamespace(namespace);
    return best !== undefined && best.length < scope.length ? best : scope;
  }

  private range<V>(kind: string, view: SortedView<V>, prefix: string): readonly V[] {
    return this.cached(`${kind}${SEPARATOR}${prefix}`, () => view.valuesWithPrefix(prefix));
  }

  private cached<V>(cacheKey: string, compute: () => readonly V[]): readonly V[] {
    let found = this.lookups.get(cacheKey) as readonly V[] | undefined;
    if (found === undefined) {
      const computed = compute();
      found = computed.length === 0 ? EMPTY : Object.isFrozen(computed) ? computed : Object.freeze(computed);
      this.lookups.set(cacheKey, found);
    }
    return found;
  }
}

/** A stable string for a selector, so equal selectors share a cache entry. */
function selectorCacheKey(selector: LabelSelector): string {
  const labels = Object.keys(selector.matchLabels)
    .sort()
    .map((key) => [key, selector.matchLabels[key]]);
  const expressions = selector.matchExpressions.map((requirement) => [
    requirement.key,
    requirement.operator,
    [...requirement.values].sort(),
  ]);
  expressions.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return JSON.stringify([labels, expressions]);
}
