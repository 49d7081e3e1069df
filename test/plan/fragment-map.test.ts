import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { fragmentChanges, fragmentMap, samePlan } from '../../src/core/plan/index.js';
import { SortedTable } from '../../src/core/store/sorted-table.js';

describe('FragmentMap', () => {
  it('refuses two fragments under one key', () => {
    assert.throws(() => fragmentMap([['a', 1], ['a', 2]]), /duplicate fragment key "a"/);
  });

  it('prints as the array of its values in key order', () => {
    assert.equal(JSON.stringify({ ports: fragmentMap([['b', 2], ['a', 1]]) }), '{"ports":[1,2]}');
  });

  it('diffs two versions of one table by the leaves they do not share', () => {
    const table = new SortedTable<{ n: number }>();
    for (let i = 0; i < 2000; i++) table.set(`k${String(i).padStart(5, '0')}`, { n: i });
    const before = table.view();
    table.set('k00007', { n: -7 });
    table.delete('k01500');
    table.set('k99999', { n: 99999 });
    const after = table.view();
    assert.deepEqual(after.diff(before), { changed: ['k00007', 'k99999'], removed: ['k01500'] });
    assert.deepEqual(before.diff(before), { changed: [], removed: [] });
  });

  it('finds every key changed against no previous version, and only real changes between maps built apart', () => {
    const first = fragmentMap([['a', { x: 1 }], ['b', { x: 2 }]]);
    assert.deepEqual(fragmentChanges(undefined, first), { changed: ['a', 'b'], removed: [], replaced: ['a', 'b'] });
    const rebuilt = fragmentMap([['a', { x: 1 }], ['b', { x: 3 }], ['c', { x: 4 }]]);
    // Identity says a, b and c differ; values say a is the same.
    assert.deepEqual(rebuilt.diff(first).changed, ['a', 'b', 'c']);
    assert.deepEqual(fragmentChanges(first, rebuilt), { changed: ['b', 'c'], removed: [], replaced: ['a', 'b', 'c'] });
  });

  it('continues a version with SortedTable.from, sharing what it does not write', () => {
    const table = new SortedTable<number>();
    for (let i = 0; i < 600; i++) table.set(`k${String(i).padStart(4, '0')}`, i);
    const base = table.view();
    const next = SortedTable.from(base);
    next.set('k0300', -1);
    assert.equal(base.get('k0300'), 300);
    assert.deepEqual(next.view().diff(base), { changed: ['k0300'], removed: [] });
  });
});

describe('samePlan', () => {
  it('is true for plans that share every fragment map and have equal other fields', () => {
    const ports = fragmentMap([['a', 1]]);
    assert.equal(samePlan({ node: 'n', settings: { x: [1] }, ports }, { node: 'n', settings: { x: [1] }, ports }), true);
  });

  it('is false when a map or a field differs', () => {
    const ports = fragmentMap([['a', 1]]);
    assert.equal(samePlan({ node: 'n', ports }, { node: 'm', ports }), false);
    assert.equal(samePlan({ node: 'n', ports }, { node: 'n', ports: fragmentMap([['a', 2]]) }), false);
    assert.equal(samePlan({ node: 'n', ports }, undefined), false);
  });
});
