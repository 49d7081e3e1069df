import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { DirtyChanges } from '../../src/core/controller/dirty-changes.js';
import type { ObjectChange } from '../../src/core/store/change.js';

const pod = (key: string, type: ObjectChange['type']): ObjectChange => ({ kind: 'Pod', key, type });

describe('DirtyChanges', () => {
  it('coalesces per kind and key with the store rules, in the order objects were first marked', () => {
    const dirty = new DirtyChanges();
    dirty.mark([pod('a/1', 'added'), pod('a/2', 'deleted')], 10);
    dirty.mark([pod('a/1', 'updated'), pod('a/2', 'added'), { kind: 'Service', key: 'a/1', type: 'updated' }], 20);
    dirty.mark([pod('a/3', 'added')], 30);
    dirty.mark([pod('a/3', 'deleted')], 40);
    assert.equal(dirty.size, 3);
    const work = dirty.take();
    assert.deepEqual(work.changes, [pod('a/1', 'added'), pod('a/2', 'updated'), { kind: 'Service', key: 'a/1', type: 'updated' }]);
    assert.equal(work.firstMarkedAt, 10);
    assert.equal(dirty.size, 0);
    assert.deepEqual(dirty.take(), { changes: [], firstMarkedAt: undefined });
  });

  it('keeps an object deleted after an update as deleted', () => {
    const dirty = new DirtyChanges();
    dirty.mark([pod('a/1', 'updated')], 1);
    dirty.mark([pod('a/1', 'deleted')], 2);
    assert.deepEqual(dirty.take().changes, [pod('a/1', 'deleted')]);
  });

  it('restores taken work ahead of newer marks, merging objects marked in both', () => {
    const dirty = new DirtyChanges();
    dirty.mark([pod('a/1', 'added'), pod('a/2', 'updated')], 100);
    const taken = dirty.take();
    dirty.mark([pod('a/3', 'added'), pod('a/1', 'deleted')], 200);
    dirty.restore(taken);
    const work = dirty.take();
    // a/1 was added and then deleted before any planner saw it: nothing left to plan.
    assert.deepEqual(work.changes, [pod('a/2', 'updated'), pod('a/3', 'added')]);
    assert.equal(work.firstMarkedAt, 100);
  });
});
