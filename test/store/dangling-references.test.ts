import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { Problem } from '../../src/core/model/index.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { rawNode, rawPod } from './raw-objects.js';

/** The dangling-pod warnings of a snapshot, as `namespace/name node origin`. */
function danglingPods(problems: readonly Problem[]): string[] {
  return problems
    .filter((problem) => problem.kind === 'Pod' && problem.field === 'spec.nodeName')
    .map((problem) => `${problem.namespace}/${problem.name} ${problem.message} ${problem.origin ?? '-'}`);
}

// The origins of pods are found two ways: looked up pod by pod when few pods are dangling,
// walked beside the pods when many are. Both must give each warning its own pod's origin,
// and none to a pod that came without one. Every expected line is written out by hand.
describe('dangling references: the origin of each pod on a node that does not exist', () => {
  it('names each pod\'s own origin when few pods are dangling (one lookup each)', () => {
    const store = new ClusterStore();
    store.batch(() => {
      store.upsert(rawNode('node-a'), 'nodes.yaml:1');
      for (let index = 0; index < 40; index++) {
        store.upsert(rawPod(`p-${index}`, { nodeName: index === 7 ? 'node-x' : 'node-a' }), `pods.json:${index + 10}`);
      }
    });
    assert.deepEqual(danglingPods(store.snapshot().problems()), ['default/p-7 node node-x does not exist pods.json:17']);
  });

  it('names each pod\'s own origin when most pods are dangling (one walk), skipping origins of pods that failed or are not pods', () => {
    const store = new ClusterStore();
    const origins = store.sink('files');
    const informer = store.sink('informer');
    store.batch(() => {
      // Interleaved in key order with the pods: a pod dropped for a bad label (an origin and a
      // problem, no pod), a pod of a foreign API group (`Pod.example.com`, another prefix).
      origins.upsert(rawPod('a-bad', { nodeName: 'node-x', labels: { app: 'has space' } }), 'pods.json:1');
      origins.upsert(rawPod('b-ok', { nodeName: 'node-x' }), 'pods.json:2');
      origins.upsert({ ...rawPod('c-foreign', { nodeName: 'node-x' }), apiVersion: 'example.com/v1' }, 'crd.yaml:1');
      origins.upsert(rawPod('d-ok', { nodeName: 'node-y' }), 'pods.json:3');
      // From a sink whose objects carry no origin: the warning has none.
      informer.upsert(rawPod('e-informer', { nodeName: 'node-x' }));
      origins.upsert(rawPod('f-ok', { nodeName: 'node-x', namespace: 'zeta' }), 'pods.json:4');
      origins.upsert(rawPod('g-unscheduled'), 'pods.json:5');
    });
    assert.deepEqual(danglingPods(store.snapshot().problems()), [
      'default/b-ok node node-x does not exist pods.json:2',
      'default/d-ok node node-y does not exist pods.json:3',
      'default/e-informer node node-x does not exist -',
      'zeta/f-ok node node-x does not exist pods.json:4',
    ]);
  });

  it('gives a pod loaded without any origin no origin, next to pods that have one (one walk)', () => {
    const store = new ClusterStore();
    store.batch(() => {
      store.upsert(rawPod('a', { nodeName: 'node-x' }));
      store.upsert(rawPod('b', { nodeName: 'node-x' }), 'b.yaml:3');
      store.upsert(rawPod('c', { nodeName: 'node-x' }));
    });
    assert.deepEqual(danglingPods(store.snapshot().problems()), [
      'default/a node node-x does not exist -',
      'default/b node node-x does not exist b.yaml:3',
      'default/c node node-x does not exist -',
    ]);
  });

  it('keeps the problem\'s keys and their order whichever way the origin was found', () => {
    const few = new ClusterStore();
    few.batch(() => {
      few.upsert(rawNode('node-a'));
      for (let index = 0; index < 40; index++) few.upsert(rawPod(`p-${index}`, { nodeName: index === 0 ? 'node-x' : 'node-a' }), `f:${index}`);
    });
    const many = new ClusterStore();
    many.upsert(rawPod('p-0', { nodeName: 'node-x' }), 'f:0');
    const expected = { kind: 'Pod', namespace: 'default', name: 'p-0', field: 'spec.nodeName', message: 'node node-x does not exist', severity: 'warning', origin: 'f:0' };
    for (const store of [few, many]) {
      const problem = store.snapshot().problems().find((entry) => entry.field === 'spec.nodeName');
      assert.deepEqual(problem, expected);
      assert.deepEqual(Object.keys(problem!), Object.keys(expected));
    }
  });
});
