import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'mocha';
import { ConfigError } from '../../src/core/errors.js';
import { formatProblem } from '../../src/core/model/index.js';
import { loadCluster } from '../../src/sources/load-cluster.js';

const FIXTURES = join('test', 'fixtures', 'manifests');

describe('loadCluster', () => {
  it('loads manifests into a synced store and returns its snapshot and problems', async () => {
    const { store, snapshot, problems } = await loadCluster([join(FIXTURES, 'multi')]);
    assert.ok(store.isSynced());
    assert.equal(store.snapshot(), snapshot);
    assert.deepEqual(snapshot.counts(), { Node: 1, Namespace: 1, Pod: 4, Service: 1, EndpointSlice: 1, NetworkPolicy: 0 });
    assert.deepEqual(
      snapshot.podsInNamespace('shop').map((pod) => pod.key),
      ['shop/db-1', 'shop/db-2', 'shop/web-1', 'shop/web-2'],
    );
    assert.deepEqual(
      snapshot.endpointSlicesForService('shop/web').map((slice) => slice.key),
      ['shop/web-abc'],
    );
    assert.deepEqual(snapshot.podsOnNode('node-a').map((pod) => pod.key), ['shop/web-1']);
    // db-1 is scheduled on node-b, which the manifests do not define.
    assert.deepEqual(problems.map(formatProblem), [
      `warning Pod shop/db-1 spec.nodeName: node node-b does not exist (${join(FIXTURES, 'multi', 'podlist.yaml')}:7)`,
    ]);
  });

  it('loads one change set for the whole load', async () => {
    const { store } = await loadCluster([join(FIXTURES, 'tree')]);
    assert.equal(store.generation, 1);
    assert.deepEqual(
      store.snapshot().namespaces().map((namespace) => namespace.name),
      ['from-a-b', 'from-a-z', 'from-b', 'from-c-d', 'from-c-e'],
    );
  });

  it('reports duplicates across files, the later file winning', async () => {
    const first = join(FIXTURES, 'tree', 'b.yml');
    const { snapshot, problems } = await loadCluster([first, first]);
    assert.equal(snapshot.namespaces().length, 1);
    // The same file twice is the same origin: not a duplicate.
    assert.deepEqual(problems, []);
    const { snapshot: loaded, problems: duplicates } = await loadCluster([join(FIXTURES, 'duplicates')]);
    assert.equal(loaded.namespace('twice')?.labels['from'], 'b');
    assert.deepEqual(duplicates.map((problem) => problem.message), [
      `duplicate object, the later one wins (${join(FIXTURES, 'duplicates', 'a.yaml')}:1 vs ${join(FIXTURES, 'duplicates', 'b.yaml')}:1)`,
    ]);
  });

  it('rejects a missing path with a ConfigError', async () => {
    await assert.rejects(loadCluster([join(FIXTURES, 'nope')]), ConfigError);
  });
});
