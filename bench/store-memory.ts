/**
 * Memory and snapshot cost of the ClusterStore at the Kubernetes scalability envelope:
 * 5,000 nodes, 150,000 pods, 10,000 services, 10,000 EndpointSlices of 10 endpoints
 * (100,000 endpoints) and 1,000 NetworkPolicies, loaded through the raw-object path
 * (conversion, validation, indexing) as a source would deliver them.
 *
 * Run through `npm run bench` (which adds `--expose-gc`), or alone:
 * `node --expose-gc --import tsx bench/store-memory.ts`.
 */
import type { ClusterSnapshot } from '../src/core/store/snapshot.js';
import { ClusterStore } from '../src/core/store/cluster-store.js';
import { ENVELOPE, generateCluster, rawPod } from './cluster-generator.js';
import { collectGarbage, median, mib, ms, printTable, timed } from './measure.js';

const UPDATES = 200;
const HELD_SNAPSHOTS = 1_000;
const MEMORY_BUDGET = 1024 * 1024 * 1024;

function fullCopy(snapshot: ClusterSnapshot): number {
  // What a store that copies everything per snapshot would do at least: one map per kind and
  // the pod indexes, rebuilt from scratch.
  let entries = 0;
  const byNode = new Map<string, string[]>();
  const byLabel = new Map<string, string[]>();
  for (const list of [snapshot.nodes(), snapshot.namespaces(), snapshot.services(), snapshot.endpointSlices(), snapshot.networkPolicies()]) {
    const copy = new Map<string, unknown>();
    for (const object of list) copy.set(object.key, object);
    entries += copy.size;
  }
  const pods = new Map<string, unknown>();
  for (const pod of snapshot.pods()) {
    pods.set(pod.key, pod);
    if (pod.nodeName !== undefined) {
      const list = byNode.get(pod.nodeName) ?? [];
      list.push(pod.key);
      byNode.set(pod.nodeName, list);
    }
    for (const [key, value] of Object.entries(pod.labels)) {
      const label = `${key}=${value}`;
      const list = byLabel.get(label) ?? [];
      list.push(pod.key);
      byLabel.set(label, list);
    }
  }
  return entries + pods.size + byNode.size + byLabel.size;
}

function main(): void {
  const canCollect = collectGarbage();
  const baseline = process.memoryUsage();
  const scale = ENVELOPE;
  const store = new ClusterStore();

  const load = timed(() =>
    store.batch(() => {
      let count = 0;
      for (const object of generateCluster(scale)) {
        store.upsert(object);
        count++;
      }
      return count;
    }),
  );
  store.synced();
  collectGarbage();
  const loaded = process.memoryUsage();

  const first = timed(() => store.snapshot());
  const firstLists = timed(() => {
    const snapshot = first.result;
    return (
      snapshot.nodes().length +
      snapshot.namespaces().length +
      snapshot.pods().length +
      snapshot.services().length +
      snapshot.endpointSlices().length +
      snapshot.networkPolicies().length
    );
  });
  const firstProblems = timed(() => first.result.problems());
  const copy = timed(() => fullCopy(first.result));

  const upsertTimes: number[] = [];
  const snapshotTimes: number[] = [];
  const lookupTimes: number[] = [];
  for (let update = 0; update < UPDATES; update++) {
    const pod = rawPod(update * 701, scale, update + 2);
    (pod['metadata'] as { labels: Record<string, string> }).labels['tier'] = `changed-${update}`;
    upsertTimes.push(timed(() => store.upsert(pod)).ms);
    const taken = timed(() => store.snapshot());
    snapshotTimes.push(taken.ms);
    lookupTimes.push(timed(() => taken.result.podsOnNode(`node-${(update * 701) % scale.nodes}`)).ms);
  }
  const afterChangeLists = timed(() => store.snapshot().pods().length);

  collectGarbage();
  const beforeHolding = process.memoryUsage().heapUsed;
  const held: ClusterSnapshot[] = [];
  for (let index = 0; index < HELD_SNAPSHOTS; index++) {
    store.upsert(rawPod(index * 149, scale, 1_000 + index));
    held.push(store.snapshot());
  }
  collectGarbage();
  const holding = process.memoryUsage().heapUsed - beforeHolding;
  const counts = store.snapshot().counts();
  const endpoints = store
    .snapshot()
    .endpointSlices()
    .reduce((sum, slice) => sum + slice.endpoints.length, 0);

  const perEvent = median(upsertTimes) + median(snapshotTimes);
  printTable(`ClusterStore at the scalability envelope (node ${process.version}, gc ${canCollect ? 'forced' : 'NOT forced: run with --expose-gc'})`, [
    ['objects loaded', `${load.result.toLocaleString('en')} (${counts.Node} nodes, ${counts.Pod} pods, ${counts.Service} services, ${counts.EndpointSlice} slices / ${endpoints} endpoints, ${counts.NetworkPolicy} policies)`],
    ['load time (convert + validate + index)', ms(load.ms)],
    ['RSS after load', mib(loaded.rss)],
    ['heap used after load (baseline before load)', `${mib(loaded.heapUsed)} (${mib(baseline.heapUsed)})`],
    ['RSS within the 1 GiB budget', loaded.rss < MEMORY_BUDGET ? 'yes' : 'NO'],
    ['first snapshot(): take', ms(first.ms)],
    ['first snapshot: list every kind (lazy, cached)', ms(firstLists.ms)],
    ['first snapshot: problems() (dangling-reference scan)', ms(firstProblems.ms)],
    ['full copy of tables + pod indexes (what a copying store pays per snapshot)', ms(copy.ms)],
    [`one pod update: upsert (median of ${UPDATES})`, ms(median(upsertTimes))],
    [`one pod update: snapshot() after it (median of ${UPDATES})`, ms(median(snapshotTimes))],
    [`one pod update: podsOnNode() on the new snapshot (median)`, ms(median(lookupTimes))],
    ['one pod update: upsert + snapshot() vs full copy', `${(copy.ms / perEvent).toFixed(0)}x cheaper`],
    [
      'one pod update: upsert + snapshot() vs first snapshot with every list',
      `${((first.ms + firstLists.ms) / perEvent).toFixed(0)}x cheaper`,
    ],
    ['after a change: pods() list of 150,000 (lazy)', ms(afterChangeLists.ms)],
    [`heap kept by ${HELD_SNAPSHOTS} snapshots, one pod change apart`, `${mib(holding)} (${(holding / HELD_SNAPSHOTS / 1024).toFixed(1)} KiB each)`],
  ]);
  // Keep the held snapshots alive until measured.
  if (held.length !== HELD_SNAPSHOTS) throw new Error('unreachable');
}

main();
