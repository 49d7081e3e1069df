import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { Problem } from '../../src/core/model/index.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { StoreTables } from '../../src/core/store/store-tables.js';

/** A source-level problem of a broken file, the way a manifest source reports one. */
function fileProblem(index: number): Problem {
  return { kind: 'File', field: '', message: `document ${index} is not valid YAML`, severity: 'error', origin: `bad.yaml:${index}` };
}

describe('source-level problems', () => {
  it('loads 40,000 distinct source problems in one batch (was quadratic: minutes)', function () {
    // Scanning and copying every earlier problem took about 80 s for this many; the keyed map
    // takes a fraction of a second. The timeout is the bound, well above any slow machine.
    this.timeout(10_000);
    const store = new ClusterStore();
    store.batch(() => {
      for (let index = 0; index < 40_000; index++) store.problem(fileProblem(index));
      // Every one again: identical problems are kept once.
      for (let index = 0; index < 40_000; index++) store.problem(fileProblem(index));
    });
    const problems = store.snapshot().problems();
    assert.equal(problems.length, 40_000);
    assert.deepEqual(problems[0], fileProblem(0));
    assert.deepEqual(problems[39_999], fileProblem(39_999));
  });

  it('keeps the first of identical problems and tells which were new', () => {
    const tables = new StoreTables();
    assert.equal(tables.addSourceProblem(fileProblem(1)), true);
    assert.equal(tables.addSourceProblem({ ...fileProblem(1) }), false);
    // One field apart is another problem, also an absent namespace against an empty one.
    assert.equal(tables.addSourceProblem({ ...fileProblem(1), severity: 'warning' }), true);
    assert.equal(tables.addSourceProblem({ ...fileProblem(1), namespace: '' }), true);
    assert.equal(tables.addSourceProblem({ ...fileProblem(1), origin: undefined }), true);
    assert.equal(tables.views().sourceProblems.length, 4);
  });

  it('hands out frozen lists in arrival order that later problems do not change', () => {
    const tables = new StoreTables();
    tables.addSourceProblem(fileProblem(2));
    tables.addSourceProblem(fileProblem(1));
    const before = tables.views().sourceProblems;
    // No new problem: the same list, not a copy per view.
    assert.equal(tables.views().sourceProblems, before);
    tables.addSourceProblem(fileProblem(3));
    const after = tables.views().sourceProblems;
    assert.ok(Object.isFrozen(before) && Object.isFrozen(after));
    assert.deepEqual(before.map((problem) => problem.origin), ['bad.yaml:2', 'bad.yaml:1']);
    assert.deepEqual(after.map((problem) => problem.origin), ['bad.yaml:2', 'bad.yaml:1', 'bad.yaml:3']);
  });
});
