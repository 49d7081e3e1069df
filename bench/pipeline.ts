/**
 * The incremental pipeline at scale: what one change costs from the store event to the end of
 * the backend sync (planner update + mock sync), against a full plan in the same run.
 *
 * - services: 10,000 services x 10 endpoints on 1,000 nodes, one endpoint changed;
 * - firewall: 10,000 pods in 100 namespaces on 100 nodes, 1,000 policies, one pod relabelled;
 * - routes: 5,000 nodes, one node added;
 * - a random stream of 10,000 events over a cluster with all of it, all three concerns.
 *
 * `node --expose-gc --import tsx bench/pipeline.ts` (or `npm run bench -- pipeline`).
 */
import type { Backend } from '../src/core/backend/backend.js';
import { MockFirewallBackend, MockProxyBackend, MockRouteBackend } from '../src/backends/mock/index.js';
import type { ConcernPlanner } from '../src/core/planner/concern-planner.js';
import { FirewallPlanner, RoutePlanner, ServicePlanner } from '../src/core/planner/index.js';
import type { ObjectChange } from '../src/core/store/change.js';
import { ClusterStore } from '../src/core/store/cluster-store.js';
import { generateCluster, rawNode, rawPod, rawSlice, type ClusterScale } from './cluster-generator.js';
import { median, ms, printTable, timed } from './measure.js';

const NODE = 'node-0';
const CLUSTER_CIDRS = ['10.0.0.0/8'];

/** A store loaded with `scale` and the changes it announced since the last drain. */
function loadedStore(scale: ClusterScale): { store: ClusterStore; drain: () => ObjectChange[] } {
  const store = new ClusterStore();
  let pending: ObjectChange[] = [];
  store.batch(() => {
    for (const object of generateCluster(scale)) store.upsert(object);
  });
  store.synced();
  store.onChange((set) => pending.push(...set.changes));
  return {
    store,
    drain: () => {
      const changes = pending;
      pending = [];
      return changes;
    },
  };
}

/** `object` as a new version: the store skips an upsert whose resourceVersion it holds. */
function bumped<T extends Record<string, unknown>>(object: T, version: number): T {
  (object.metadata as { resourceVersion?: string }).resourceVersion = String(version);
  return object;
}

/** One concern's loop without timers: plan the changes, sync the backend. */
class Pipeline<Plan> {
  constructor(
    private readonly planner: ConcernPlanner<Plan>,
    private readonly backend: Backend<Plan>,
  ) {}

  async full(store: ClusterStore): Promise<{ ms: number; changed: number }> {
    const started = performance.now();
    const report = await this.backend.sync(this.planner.full(store.snapshot()));
    return { ms: performance.now() - started, changed: report.changed };
  }

  async change(store: ClusterStore, changes: readonly ObjectChange[]): Promise<{ ms: number; changed: number; removed: number }> {
    const started = performance.now();
    const report = await this.backend.sync(this.planner.update(store.snapshot(), changes));
    return { ms: performance.now() - started, changed: report.changed, removed: report.removed };
  }
}

/** Median and worst of `rounds` changes made by `make`, each measured from event to synced. */
async function measureChanges<Plan>(
  label: string,
  store: ClusterStore,
  drain: () => ObjectChange[],
  pipeline: Pipeline<Plan>,
  rounds: number,
  make: (round: number) => void,
): Promise<[string, string][]> {
  const times: number[] = [];
  let fragments = 0;
  for (let round = 0; round < rounds; round++) {
    const event = timed(() => make(round));
    const result = await pipeline.change(store, drain());
    times.push(event.ms + result.ms);
    fragments += result.changed + result.removed;
  }
  const worst = Math.max(...times);
  return [
    [`${label}: event to synced, median of ${rounds}`, ms(median(times))],
    [`${label}: worst`, ms(worst)],
    [`${label}: fragments written per change`, (fragments / rounds).toFixed(1)],
  ];
}

async function services(): Promise<[string, string][]> {
  const scale: ClusterScale = { nodes: 1_000, namespaces: 100, pods: 0, services: 10_000, endpointsPerSlice: 10, networkPolicies: 0 };
  const { store, drain } = loadedStore(scale);
  const pipeline = new Pipeline(new ServicePlanner(NODE, { clusterCIDRs: CLUSTER_CIDRS }), new MockProxyBackend());
  const full = await pipeline.full(store);
  const fullAgain = timed(() => new ServicePlanner(NODE, { clusterCIDRs: CLUSTER_CIDRS }).full(store.snapshot())).ms;
  const rows = await measureChanges('one endpoint changed', store, drain, pipeline, 50, (round) => {
    const slice = bumped(rawSlice(round * 97, scale), round + 2) as { endpoints: { conditions: { ready: boolean } }[] };
    (slice.endpoints[round % 10] as { conditions: { ready: boolean } }).conditions.ready = false;
    store.upsert(slice);
  });
  return [
    ['full plan + mock sync (10,000 service ports, 100,000 endpoints)', ms(full.ms)],
    ['full plan alone', ms(fullAgain)],
    ...rows,
  ];
}

async function firewall(): Promise<[string, string][]> {
  // 101 services spread node-0's pods (i % 100 === 0) over many namespaces (service % 100).
  const scale: ClusterScale = { nodes: 100, namespaces: 100, pods: 10_000, services: 101, endpointsPerSlice: 0, networkPolicies: 1_000 };
  const { store, drain } = loadedStore(scale);
  const pipeline = new Pipeline(new FirewallPlanner(NODE), new MockFirewallBackend());
  const full = await pipeline.full(store);
  const fullAgain = timed(() => new FirewallPlanner(NODE).full(store.snapshot())).ms;
  const relabel = (index: number, round: number): void => {
    const pod = rawPod(index, scale, round + 2) as { metadata: { labels: Record<string, string> } };
    pod.metadata.labels.tier = pod.metadata.labels.tier === 'front' ? 'back' : 'front';
    store.upsert(pod);
  };
  // Pod i runs on node i % 100: 1 + 100k is remote, 100k is local.
  const remote = await measureChanges('one remote pod relabelled', store, drain, pipeline, 50, (round) => relabel(1 + 100 * round, round));
  const local = await measureChanges('one local pod relabelled', store, drain, pipeline, 50, (round) => relabel(100 * (round + 1), round));
  return [
    ['full plan + mock sync (100 local pods, 1,000 policies)', ms(full.ms)],
    ['full plan alone', ms(fullAgain)],
    ...remote,
    ...local,
  ];
}

async function routes(): Promise<[string, string][]> {
  const scale: ClusterScale = { nodes: 5_000, namespaces: 1, pods: 0, services: 0, endpointsPerSlice: 0, networkPolicies: 0 };
  const { store, drain } = loadedStore(scale);
  const pipeline = new Pipeline(new RoutePlanner(NODE, { clusterCIDRs: CLUSTER_CIDRS }), new MockRouteBackend());
  const full = await pipeline.full(store);
  const fullAgain = timed(() => new RoutePlanner(NODE, { clusterCIDRs: CLUSTER_CIDRS }).full(store.snapshot())).ms;
  const rows = await measureChanges('one node added', store, drain, pipeline, 50, (round) => store.upsert(rawNode(5_000 + round)));
  return [['full plan + mock sync (4,999 routes)', ms(full.ms)], ['full plan alone', ms(fullAgain)], ...rows];
}

/** A deterministic pseudo-random sequence (mulberry32), so every run replays the same stream. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function stream(): Promise<[string, string][]> {
  const scale: ClusterScale = { nodes: 1_000, namespaces: 100, pods: 20_000, services: 2_000, endpointsPerSlice: 10, networkPolicies: 1_000 };
  const { store, drain } = loadedStore(scale);
  const pipelines = [
    new Pipeline(new ServicePlanner(NODE, { clusterCIDRs: CLUSTER_CIDRS }), new MockProxyBackend()),
    new Pipeline(new FirewallPlanner(NODE), new MockFirewallBackend()),
    new Pipeline(new RoutePlanner(NODE, { clusterCIDRs: CLUSTER_CIDRS }), new MockRouteBackend()),
  ] as const;
  for (const pipeline of pipelines) await pipeline.full(store);
  const next = random(20261202);
  const times: number[] = [];
  for (let event = 0; event < 10_000; event++) {
    const kind = next();
    const started = performance.now();
    if (kind < 0.5) {
      const pod = rawPod(Math.floor(next() * scale.pods), scale, event + 2) as { metadata: { labels: Record<string, string> } };
      pod.metadata.labels.tier = next() < 0.5 ? 'front' : 'back';
      store.upsert(pod);
    } else if (kind < 0.9) {
      const slice = bumped(rawSlice(Math.floor(next() * scale.services), scale), event + 2) as {
        endpoints: { conditions: { ready: boolean } }[];
      };
      (slice.endpoints[Math.floor(next() * 10)] as { conditions: { ready: boolean } }).conditions.ready = next() < 0.5;
      store.upsert(slice);
    } else {
      const node = bumped(rawNode(1 + Math.floor(next() * (scale.nodes - 1))), event + 2) as {
        metadata: { labels: Record<string, string> };
      };
      node.metadata.labels.zone = `z${event % 3}`;
      store.upsert(node);
    }
    const changes = drain();
    for (const pipeline of pipelines) await pipeline.change(store, changes);
    times.push(performance.now() - started);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return [
    ['random stream: events (50% pod relabels, 40% endpoint changes, 10% node updates)', '10,000'],
    ['random stream: p50 per event (store + 3 planners + 3 mock syncs)', ms(at(0.5))],
    ['random stream: p99 per event', ms(at(0.99))],
    ['random stream: worst event', ms(sorted[sorted.length - 1] as number)],
  ];
}

/**
 * The case that took more than nine minutes before the pod address index: 20,000 pods and one
 * policy whose 20 egress rules each hold 200 ipBlocks and a named port, so every block must
 * find the pods inside it.
 */
function namedPortsInBlocks(): [string, string][] {
  const scale: ClusterScale = { nodes: 100, namespaces: 100, pods: 20_000, services: 101, endpointsPerSlice: 0, networkPolicies: 0 };
  const { store } = loadedStore(scale);
  const egress = Array.from({ length: 20 }, (_, rule) => ({
    to: Array.from({ length: 200 }, (_, block) => ({ ipBlock: { cidr: `10.${rule}.${block}.0/24`, except: [`10.${rule}.${block}.128/25`] } })),
    ports: [{ protocol: 'TCP', port: 'http' }],
  }));
  store.upsert({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'blocks', namespace: 'ns-0' },
    spec: { podSelector: {}, policyTypes: ['Egress'], egress },
  });
  const planned = timed(() => new FirewallPlanner(NODE).full(store.snapshot()));
  const named = planned.result.peerSets.values().filter((set) => set.id.startsWith('named-port:'));
  const members = named.reduce((sum, set) => sum + (set.kind === 'pods' ? set.addresses.length : 0), 0);
  return [
    ['full plan: 20 egress rules x 200 ipBlocks with a named port, 20,000 pods', ms(planned.ms)],
    ['named-port sets / pods resolved in them', `${named.length} / ${members}`],
  ];
}

printTable('Named ports in ipBlocks: 20,000 pods on 100 nodes, node-0', namedPortsInBlocks());
printTable('Services: 10,000 services x 10 endpoints on 1,000 nodes, node-0', await services());
printTable('Firewall: 10,000 pods, 100 namespaces, 100 nodes, 1,000 policies, node-0', await firewall());
printTable('Routes: 5,000 nodes, node-0', await routes());
printTable('All concerns: 1,000 nodes, 20,000 pods, 2,000 services, 1,000 policies, node-0', await stream());
