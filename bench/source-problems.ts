/**
 * Source-level problems at scale: a manifest source that reports N broken documents, all
 * delivered in one batch, then one snapshot's problem list. The store keeps them in a map keyed
 * by the problem, so time should grow linearly with N (it used to grow with N squared).
 *
 * `npx tsx bench/source-problems.ts`
 */
import { performance } from 'node:perf_hooks';
import type { Problem } from '../src/core/model/index.js';
import { ClusterStore } from '../src/core/store/cluster-store.js';

function brokenDocument(index: number): Problem {
  return { kind: 'File', field: '', message: `document ${index} is not valid YAML`, severity: 'error', origin: `bad.yaml:${index}` };
}

console.log('| source problems | load ms | snapshot problems ms | per problem µs |');
console.log('| ---: | ---: | ---: | ---: |');
for (const count of [10_000, 40_000, 160_000]) {
  const store = new ClusterStore();
  const started = performance.now();
  store.batch(() => {
    for (let index = 0; index < count; index++) store.problem(brokenDocument(index));
  });
  const loaded = performance.now();
  const problems = store.snapshot().problems();
  const listed = performance.now();
  if (problems.length !== count) throw new Error(`expected ${count} problems, got ${problems.length}`);
  const perProblem = ((listed - started) * 1000) / count;
  console.log(`| ${count} | ${(loaded - started).toFixed(1)} | ${(listed - loaded).toFixed(1)} | ${perProblem.toFixed(2)} |`);
}
