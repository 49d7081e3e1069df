import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { Pod } from '../../src/core/model/index.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import { rawPod } from './raw-objects.js';

function names(pods: readonly Pod[]): string[] {
  return pods.map((pod) => pod.name);
}

/** `app=web`, `app=db` and `tier=front` of a snapshot, by pod name. */
function byLabel(snapshot: ClusterSnapshot): { web: string[]; db: string[]; front: string[] } {
  return {
    web: names(snapshot.podsWithLabel('app', 'web')),
    db: names(snapshot.podsWithLabel('app', 'db')),
    front: names(snapshot.podsWithLabel('tier', 'front')),
  };
}

function load(store: ClusterStore): void {
  store.batch(() => {
    store.upsert(rawPod('a', { labels: { app: 'web', tier: 'front' } }), 'pods.json:1');
    store.upsert(rawPod('b', { labels: { app: 'web' } }), 'pods.json:2');
    store.upsert(rawPod('c', { labels: { app: 'db' } }), 'pods.json:3');
  });
}

/** Moves `b` to `app=db`, deletes `c`, adds `d` (`app=web`, `tier=front`). */
function change(store: ClusterStore): void {
  store.batch(() => {
    store.upsert(rawPod('b', { labels: { app: 'db' } }), 'pods.json:2');
    store.remove(rawPod('c'));
    store.upsert(rawPod('d', { labels: { app: 'web', tier: 'front' } }), 'pods.json:4');
  });
}

const LOADED = { web: ['a', 'b'], db: ['c'], front: ['a'] };
const CHANGED = { web: ['a', 'd'], db: ['b'], front: ['a', 'd'] };

// The label index is built when a snapshot is first asked for pods by label, then adopted by
// the store and kept up to date: every snapshot must answer for its own pods, whichever
// snapshot built the index and whatever was written in between. Expected lists by hand.
describe('ClusterStore: the label index, built on first use', () => {
  it('answers for a snapshot read only after later changes, and for the later snapshot', () => {
    const store = new ClusterStore();
    load(store);
    const first = store.snapshot();
    change(store);
    const second = store.snapshot();
    assert.deepEqual(byLabel(second), CHANGED);
    assert.deepEqual(byLabel(first), LOADED);
  });

  it('keeps the index a snapshot built up to date with the writes made before the next snapshot', () => {
    const store = new ClusterStore();
    load(store);
    const first = store.snapshot();
    assert.deepEqual(byLabel(first), LOADED);
    change(store);
    const second = store.snapshot();
    assert.deepEqual(byLabel(second), CHANGED);
    // From here on the index is written pod by pod: `a` leaves `tier=front`, `e` joins `app=db`.
    store.upsert(rawPod('a', { labels: { app: 'web' } }), 'pods.json:1');
    store.upsert(rawPod('e', { labels: { app: 'db', tier: 'front' } }), 'pods.json:5');
    assert.deepEqual(byLabel(store.snapshot()), { web: ['a', 'd'], db: ['b', 'e'], front: ['d', 'e'] });
    assert.deepEqual(byLabel(second), CHANGED);
    assert.deepEqual(byLabel(first), LOADED);
  });

  it('adopts an index built by a snapshot with no write since, and by an old snapshot after newer ones', () => {
    const store = new ClusterStore();
    load(store);
    const first = store.snapshot();
    assert.deepEqual(byLabel(first), LOADED);
    store.upsert(rawPod('x', { labels: { app: 'web' } }));
    store.remove(rawPod('x'));
    // The pods are as `first` holds them: the index is adopted without a change.
    assert.deepEqual(byLabel(store.snapshot()), LOADED);
    change(store);
    const later = store.snapshot();
    assert.deepEqual(byLabel(later), CHANGED);
    assert.deepEqual(byLabel(first), LOADED);
  });

  it('answers pod selectors the same before and after the index is adopted', () => {
    const store = new ClusterStore();
    load(store);
    const selector = { matchLabels: { app: 'web' }, matchExpressions: [] };
    assert.deepEqual(names(store.snapshot().podsMatching(selector)), ['a', 'b']);
    change(store);
    assert.deepEqual(names(store.snapshot().podsMatching(selector)), ['a', 'd']);
    assert.deepEqual(names(store.snapshot().podsMatching(selector, 'default')), ['a', 'd']);
  });

  it('keeps an index first asked for while the store held no pods up to date with the pods that come later', () => {
    const store = new ClusterStore();
    assert.deepEqual(byLabel(store.snapshot()), { web: [], db: [], front: [] });
    // A snapshot still without pods adopts the empty index; the node index is not built yet.
    store.upsert(rawPod('x', { labels: { app: 'web' } }));
    store.remove(rawPod('x'));
    assert.deepEqual(byLabel(store.snapshot()), { web: [], db: [], front: [] });
    load(store);
    assert.deepEqual(byLabel(store.snapshot()), LOADED);
    change(store);
    assert.deepEqual(byLabel(store.snapshot()), CHANGED);
  });
});
