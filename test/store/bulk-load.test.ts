import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { Pod } from '../../src/core/model/index.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import { rawNode, rawPod } from './raw-objects.js';

type Event = { upsert: Record<string, unknown>; origin: string } | { remove: Record<string, unknown> };

const NODES = ['node-a', 'node-b', 'node-c'];
const APPS = ['web', 'db', 'cache', 'web-2'];

/**
 * A deterministic mixed load: pods over three namespaces, on nodes that exist or not, with
 * labels whose values are prefixes of one another (`web`, `web-2`); updates that move pods
 * and change their labels; the same pod twice from two places (a duplicate); pods dropped for
 * an invalid label or warned about for a bad IP; and removals. Next to it, the expected final
 * pods, worked out from the events alone: invalid pods are new names only, so "last valid
 * upsert wins, removal removes" is the whole rule.
 */
function fixture(): { events: Event[]; expected: Map<string, { node?: string; labels: Record<string, string> }> } {
  const events: Event[] = [];
  const expected = new Map<string, { node?: string; labels: Record<string, string> }>();
  for (const name of NODES.slice(0, 2)) events.push({ upsert: rawNode(name), origin: `nodes.yaml:${events.length + 1}` });
  const upsertPod = (index: number, version: number): void => {
    const namespace = `ns-${index % 3}`;
    const name = `pod-${index}`;
    const node = (index + version) % 4 === 3 ? undefined : NODES[(index + version) % 3];
    const labels = { app: APPS[(index + version) % APPS.length]!, ...(index % 2 === 0 ? { tier: version % 2 === 0 ? 'front' : 'back' } : {}) };
    events.push({
      upsert: rawPod(name, { namespace, labels, ...(node ? { nodeName: node } : {}), ip: `10.1.${version}.${index % 250}` }),
      origin: `pods.json:${events.length + 1}`,
    });
    expected.set(`${namespace}/${name}`, { ...(node ? { node } : {}), labels });
  };
  for (let index = 0; index < 120; index++) upsertPod(index, 0);
  for (let index = 0; index < 120; index += 7) upsertPod(index, 1);
  for (let index = 0; index < 120; index += 11) {
    const namespace = `ns-${index % 3}`;
    events.push({ remove: rawPod(`pod-${index}`, { namespace }) });
    expected.delete(`${namespace}/pod-${index}`);
  }
  // Back after its removal, then a duplicate of it from another place.
  upsertPod(22, 2);
  upsertPod(22, 3);
  // Dropped: a label value with a space (the API server refuses it).
  events.push({ upsert: rawPod('bad-label', { namespace: 'ns-0', labels: { app: 'has space' } }), origin: 'pods.json:900' });
  // Kept, with its address dropped and an error about it.
  events.push({ upsert: rawPod('bad-ip', { namespace: 'ns-1', ip: '300.1.1.1' }), origin: 'pods.json:901' });
  expected.set('ns-1/bad-ip', { labels: {} });
  return { events, expected };
}

function apply(store: ClusterStore, event: Event): void {
  if ('upsert' in event) store.upsert(event.upsert, event.origin);
  else store.remove(event.remove);
}

function keys(pods: readonly Pod[]): string[] {
  return pods.map((pod) => pod.key);
}

function sortedKeys(entries: Iterable<string>): string[] {
  return [...entries].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function assertSameState(actual: ClusterSnapshot, reference: ClusterSnapshot): void {
  assert.deepEqual(actual.pods(), reference.pods());
  assert.deepEqual(actual.nodes(), reference.nodes());
  for (const node of NODES) assert.deepEqual(keys(actual.podsOnNode(node)), keys(reference.podsOnNode(node)));
  for (const app of APPS) assert.deepEqual(keys(actual.podsWithLabel('app', app)), keys(reference.podsWithLabel('app', app)));
  for (const tier of ['front', 'back']) assert.deepEqual(keys(actual.podsWithLabel('tier', tier)), keys(reference.podsWithLabel('tier', tier)));
  for (const namespace of ['ns-0', 'ns-1', 'ns-2']) assert.deepEqual(keys(actual.podsInNamespace(namespace)), keys(reference.podsInNamespace(namespace)));
  assert.deepEqual(actual.problems(), reference.problems());
  assert.deepEqual(actual.counts(), reference.counts());
}

describe('ClusterStore: a whole load in one batch equals the same events one by one', () => {
  it('holds the pods, indexes and problems worked out from the events (one batch)', () => {
    const { events, expected } = fixture();
    const store = new ClusterStore();
    store.batch(() => events.forEach((event) => apply(store, event)));
    const snapshot = store.snapshot();
    assert.deepEqual(keys(snapshot.pods()), sortedKeys(expected.keys()));
    for (const node of NODES) {
      const want = sortedKeys([...expected].filter(([, pod]) => pod.node === node).map(([key]) => key));
      assert.deepEqual(keys(snapshot.podsOnNode(node)), want, node);
    }
    for (const app of APPS) {
      const want = sortedKeys([...expected].filter(([, pod]) => pod.labels['app'] === app).map(([key]) => key));
      assert.deepEqual(keys(snapshot.podsWithLabel('app', app)), want, app);
    }
    const messages = snapshot.problems().map((problem) => `${problem.namespace ?? ''}/${problem.name ?? ''} ${problem.message}`);
    assert.ok(messages.some((message) => message.startsWith('ns-0/bad-label ') && message.includes('"has space"')));
    assert.ok(messages.some((message) => message.startsWith('ns-1/bad-ip ') && message.includes('pod IP dropped')));
    assert.ok(messages.some((message) => message.startsWith('ns-1/pod-22 duplicate object')));
    assert.ok(messages.some((message) => message.includes('node node-c does not exist')));
  });

  it('matches event-by-event loading with a snapshot after each event', () => {
    const { events } = fixture();
    const bulk = new ClusterStore();
    bulk.batch(() => events.forEach((event) => apply(bulk, event)));
    const single = new ClusterStore();
    for (const event of events) {
      apply(single, event);
      single.snapshot();
    }
    assertSameState(bulk.snapshot(), single.snapshot());
  });

  it('matches two batches with a snapshot between (the second written into full tables)', () => {
    const { events } = fixture();
    const bulk = new ClusterStore();
    bulk.batch(() => events.forEach((event) => apply(bulk, event)));
    const split = new ClusterStore();
    const half = Math.floor(events.length / 2);
    split.batch(() => events.slice(0, half).forEach((event) => apply(split, event)));
    const first = split.snapshot();
    split.batch(() => events.slice(half).forEach((event) => apply(split, event)));
    assertSameState(bulk.snapshot(), split.snapshot());
    // The snapshot taken between the batches still shows the first half only.
    const firstHalf = new ClusterStore();
    for (const event of events.slice(0, half)) apply(firstHalf, event);
    assertSameState(first, firstHalf.snapshot());
  });
});
