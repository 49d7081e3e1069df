import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { SortedTable } from '../../src/core/store/sorted-table.js';

import { generator, sortedEntries } from '../support/seeded-entries.js';

describe('SortedTable', () => {
  it('keeps entries sorted by key through inserts, replacements and deletes (against a Map)', () => {
    const random = generator(42);
    const table = new SortedTable<number>();
    const reference = new Map<string, number>();
    for (let step = 0; step < 5000; step++) {
      const key = `k${Math.floor(random() * 1500)}`;
      if (random() < 0.3) {
        assert.equal(table.delete(key), reference.get(key));
        reference.delete(key);
      } else {
        assert.equal(table.set(key, step), reference.get(key));
        reference.set(key, step);
      }
      // Views taken mid-way must not disturb the table.
      if (step % 97 === 0) table.view();
    }
    const view = table.view();
    assert.equal(view.size, reference.size);
    assert.deepEqual([...view.entries()], sortedEntries(reference));
    assert.deepEqual(view.values(), sortedEntries(reference).map(([, value]) => value));
    for (const [key, value] of reference) assert.equal(view.get(key), value);
    assert.equal(view.get('absent'), undefined);
  });

  it('leaves a view unchanged by later writes, including leaf splits', () => {
    const table = new SortedTable<string>();
    for (let index = 0; index < 1000; index++) table.set(`a${String(index).padStart(4, '0')}`, 'old');
    const before = table.view();
    for (let index = 0; index < 1000; index += 2) table.set(`a${String(index).padStart(4, '0')}`, 'new');
    for (let index = 0; index < 600; index++) table.set(`b${index}`, 'added');
    table.delete('a0001');
    assert.equal(before.size, 1000);
    assert.ok(before.values().every((value) => value === 'old'));
    assert.equal(before.get('a0001'), 'old');
    assert.equal(before.get('b1'), undefined);
    const after = table.view();
    assert.equal(after.size, 1000 + 600 - 1);
    assert.equal(after.get('a0000'), 'new');
    assert.equal(after.get('a0001'), undefined);
  });

  it('returns the same view until something is written', () => {
    const table = new SortedTable<number>();
    table.set('x', 1);
    const first = table.view();
    assert.equal(table.view(), first);
    table.set('y', 2);
    assert.notEqual(table.view(), first);
  });

  it('scans a prefix range in key order without taking longer keys of another prefix', () => {
    const table = new SortedTable<string>();
    for (const key of ['web\u0000b', 'web-2\u0000a', 'web\u0000a', 'wea\u0000z', 'web\u0000c']) table.set(key, key);
    assert.deepEqual(table.view().valuesWithPrefix('web\u0000'), ['web\u0000a', 'web\u0000b', 'web\u0000c']);
    assert.deepEqual(table.view().valuesWithPrefix('nothing'), []);
  });

  it('scans a prefix range that spans many leaves', () => {
    const table = new SortedTable<number>();
    for (let index = 0; index < 2000; index++) table.set(`${index % 2 === 0 ? 'even' : 'odd'}/${String(index).padStart(5, '0')}`, index);
    const evens = table.view().valuesWithPrefix('even/');
    assert.equal(evens.length, 1000);
    assert.equal(evens[0], 0);
    assert.equal(evens[999], 1998);
  });
});
