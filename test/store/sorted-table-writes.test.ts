import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { SortedTable, type TableWrites } from '../../src/core/store/sorted-table.js';

import { generator, sortedEntries } from '../support/seeded-entries.js';

// Each mode against a plain Map: every return value, every view, and views taken earlier.
for (const writes of ['direct', 'buffered', 'logged'] as TableWrites[]) {
  describe(`SortedTable with ${writes} writes`, () => {
    it('answers as a Map does through sets, puts, deletes, removes and views, and keeps old views', () => {
      const random = generator(7);
      const table = new SortedTable<number>({ writes });
      const reference = new Map<string, number>();
      const held: { view: ReturnType<SortedTable<number>['view']>; entries: [string, number][] }[] = [];
      for (let step = 0; step < 6000; step++) {
        const key = `k${Math.floor(random() * 800)}`;
        const choice = random();
        if (choice < 0.15) {
          assert.equal(table.delete(key), reference.get(key));
          reference.delete(key);
        } else if (choice < 0.3) {
          table.remove(key);
          reference.delete(key);
        } else if (choice < 0.5) {
          table.put(key, step);
          reference.set(key, step);
        } else if (choice < 0.8) {
          assert.equal(table.set(key, step), reference.get(key));
          reference.set(key, step);
        } else {
          assert.equal(table.get(key), reference.get(key));
        }
        // Bursts of writes between views, as a store's batches make them.
        if (step % 500 === 499) held.push({ view: table.view(), entries: sortedEntries(reference) });
        if (step % 1000 === 999) assert.equal(table.size, reference.size);
      }
      const view = table.view();
      assert.deepEqual([...view.entries()], sortedEntries(reference));
      for (const { view: old, entries } of held) assert.deepEqual([...old.entries()], entries);
    });

    it('diffs a view built in one burst on an empty table against the empty view', () => {
      const table = new SortedTable<string>({ writes });
      const empty = table.view();
      for (const key of ['b', 'a', 'c', 'a']) table.put(key, key.toUpperCase());
      table.remove('c');
      const loaded = table.view();
      assert.deepEqual([...loaded.entries()], [['a', 'A'], ['b', 'B']]);
      assert.deepEqual(loaded.diff(empty), { changed: ['a', 'b'], removed: [] });
      table.put('a', 'A2');
      table.remove('b');
      assert.deepEqual(table.view().diff(loaded), { changed: ['a'], removed: ['b'] });
    });

    it('load fills an empty table from sorted keys, sorts unsorted ones, and refuses a full table', () => {
      const sorted = new SortedTable<number>({ writes });
      sorted.load(['a', 'b', 'c'], [1, 2, 3]);
      assert.deepEqual([...sorted.view().entries()], [['a', 1], ['b', 2], ['c', 3]]);
      const unsorted = new SortedTable<number>({ writes });
      unsorted.load(['c', 'a', 'b', 'a'], [3, 1, 2, 4]);
      assert.deepEqual([...unsorted.view().entries()], [['a', 4], ['b', 2], ['c', 3]]);
      assert.throws(() => sorted.load(['d'], [4]), /not empty/);
    });
  });
}
