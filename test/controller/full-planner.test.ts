import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { fullPlanner } from '../../src/core/controller/full-planner.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { rawNamespace } from './fakes.js';

describe('fullPlanner', () => {
  it('plans in full from the snapshot on update too, and remembers the last plan', () => {
    const store = new ClusterStore();
    const planner = fullPlanner('namespaces', (snapshot) => snapshot.namespaces().map((namespace) => namespace.name));
    assert.equal(planner.name, 'namespaces');
    assert.equal(planner.current, undefined);
    store.upsert(rawNamespace('b'));
    assert.deepEqual(planner.full(store.snapshot()), ['b']);
    store.upsert(rawNamespace('a'));
    // The changes are ignored: the plan comes from the snapshot alone.
    const updated = planner.update(store.snapshot(), []);
    assert.deepEqual(updated, ['a', 'b']);
    assert.equal(planner.current, updated);
  });
});

describe('fullPlanner on an unchanged snapshot', () => {
  it('returns the very plan it made from that snapshot, without planning again', () => {
    const store = new ClusterStore();
    let calls = 0;
    const planner = fullPlanner('count', () => ({ call: ++calls }));
    store.upsert(rawNamespace('a'));
    const snapshot = store.snapshot();
    const first = planner.full(snapshot);
    assert.equal(planner.full(snapshot), first);
    assert.equal(planner.update(snapshot, []), first);
    assert.equal(calls, 1);
    store.upsert(rawNamespace('b'));
    assert.notEqual(planner.full(store.snapshot()), first);
    assert.equal(calls, 2);
  });
});
