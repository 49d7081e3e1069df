/**
 * The store's own copy-on-write table (`SortedTable`) against `sorted-btree`, the well-kept
 * library that would replace it, on the store's workload: 150,000 pod keys, a snapshot (an
 * immutable view) after every single change, a sorted listing and a prefix scan per snapshot,
 * a diff between consecutive versions, and 1,000 live snapshots held at once.
 *
 * `node --expose-gc --import tsx bench/sorted-table-vs-btree.ts` (or `npm run bench -- sorted-table-vs-btree`).
 */
import sortedBtree from 'sorted-btree';
import diffAgainstModule from 'sorted-btree/extended/diffAgainst.js';
import { SortedTable, type SortedView } from './baselines/two-level-table.js';
import { collectGarbage, mib, ms, printTable, timed } from './measure.js';

// The package is CommonJS with `exports.default`; see src/core/store/sorted-table.ts.
function unwrapDefault<T extends { default: unknown }>(module: T): T['default'] {
  return typeof module === 'function' ? (module as unknown as T['default']) : module.default;
}
const BTree = unwrapDefault(sortedBtree);
type BTree<K, V> = InstanceType<typeof BTree<K, V>>;
const diffAgainst = unwrapDefault(diffAgainstModule);

const KEYS = 150_000;
const ROUNDS = 2_000;
const key = (index: number): string => `ns-${index % 500}/svc-${index % 10_000}-pod-${index}`;
const order = Array.from({ length: KEYS }, (_, index) => key(index)).sort();

function heap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

function ownTable(): [string, string][] {
  const table = new SortedTable<number>();
  const load = timed(() => {
    for (let index = 0; index < KEYS; index++) table.set(key(index), index);
  }).ms;
  let previous: SortedView<number> = table.view();
  let diffs = 0;
  const baseline = heap();
  const live: SortedView<number>[] = [];
  const change = timed(() => {
    for (let round = 0; round < ROUNDS; round++) {
      table.set(key((round * 7919) % KEYS), -round - 1);
      const view = table.view();
      diffs += view.diffCount(previous);
      previous = view;
      if (live.length < 1_000) live.push(view);
    }
  }).ms;
  const held = heap() - baseline;
  const listing = timed(() => previous.values().length).ms;
  const scan = timed(() => {
    let found = 0;
    for (let round = 0; round < 1_000; round++) found += previous.valuesWithPrefix(order[(round * 131) % KEYS]!.slice(0, 7)).length;
    return found;
  }).ms;
  if (diffs !== ROUNDS) throw new Error(`own table: ${diffs} diffs for ${ROUNDS} changes`);
  return [
    ['load 150,000 keys', ms(load)],
    ['one change + view + diff, per change', ms(change / ROUNDS)],
    ['sorted listing of every value', ms(listing)],
    ['1,000 prefix scans (one namespace each)', ms(scan)],
    ['1,000 live views, one change apart', mib(held)],
  ];
}

function libraryTree(): [string, string][] {
  let tree = new BTree<string, number>();
  const load = timed(() => {
    for (let index = 0; index < KEYS; index++) tree.set(key(index), index);
  }).ms;
  let previous = tree.clone();
  let diffs = 0;
  const baseline = heap();
  const live: BTree<string, number>[] = [];
  const change = timed(() => {
    for (let round = 0; round < ROUNDS; round++) {
      tree.set(key((round * 7919) % KEYS), -round - 1);
      const view = tree.clone();
      diffAgainst(view, previous, undefined, undefined, () => {
        diffs++;
      });
      previous = view;
      if (live.length < 1_000) live.push(view);
    }
  }).ms;
  const held = heap() - baseline;
  const listing = timed(() => previous.valuesArray().length).ms;
  const scan = timed(() => {
    let found = 0;
    for (let round = 0; round < 1_000; round++) {
      const prefix = order[(round * 131) % KEYS]!.slice(0, 7);
      found += previous.forRange(prefix, `${prefix}\uffff`, false);
    }
    return found;
  }).ms;
  tree = previous;
  if (diffs !== ROUNDS) throw new Error(`sorted-btree: ${diffs} diffs for ${ROUNDS} changes`);
  return [
    ['load 150,000 keys', ms(load)],
    ['one change + clone + diff, per change', ms(change / ROUNDS)],
    ['sorted listing of every value', ms(listing)],
    ['1,000 prefix scans (one namespace each)', ms(scan)],
    ['1,000 live clones, one change apart', mib(held)],
  ];
}

const own = ownTable();
const library = libraryTree();
printTable(
  'SortedTable (two-level, 256-entry leaves) vs sorted-btree 2.1 (clone + diffAgainst)',
  own.map(([label, value], index) => [label.replace('view', 'view / clone'), `${value} vs ${library[index]?.[1] ?? '?'}`]),
);
