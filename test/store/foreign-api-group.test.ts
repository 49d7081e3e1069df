import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { MemorySource } from '../../src/core/source/memory-source.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { rawService } from './raw-objects.js';

/** A Knative Service: same kind and name as the core one, another API group and resource. */
function knativeService(name: string): Record<string, unknown> {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { template: { spec: { containers: [{ image: 'example/web' }] } } },
  };
}

describe('ClusterStore: objects of a foreign API group with a model kind', () => {
  it('keeps the core Service, without problems, when a Knative Service of the same name comes after it', () => {
    // Before: the Knative object took the core one's slot, a duplicate warning and a
    // "update rejected" warning named the pair.
    const store = new ClusterStore();
    store.upsert(rawService('web'), 'core.yaml:1');
    store.upsert(knativeService('web'), 'knative.yaml:1');
    const snapshot = store.snapshot();
    assert.deepEqual(snapshot.service('default/web')?.clusterIPs, ['10.96.0.10']);
    assert.deepEqual(snapshot.problems(), []);
  });

  it('does not delete the core Service when the Knative one is removed', () => {
    const store = new ClusterStore();
    store.upsert(knativeService('web'), 'knative.yaml:1');
    store.upsert(rawService('web'), 'core.yaml:1');
    store.remove(knativeService('web'));
    assert.deepEqual(store.snapshot().services().map((service) => service.key), ['default/web']);
    store.remove(rawService('web'));
    assert.deepEqual(store.snapshot().services(), []);
  });

  it('holds both in a MemorySource, so deleting one keeps the other', () => {
    const source = new MemorySource([rawService('web'), knativeService('web')]);
    assert.equal(source.objects().length, 2);
    source.delete(knativeService('web'));
    assert.deepEqual(source.objects(), [rawService('web')]);
  });

  it('still reports a wrong version of a Kubernetes group under the model kind', () => {
    const store = new ClusterStore();
    store.upsert({ ...rawService('web'), apiVersion: 'v2' }, 'bad.yaml:1');
    assert.match(store.snapshot().problems()[0]?.message ?? '', /unsupported apiVersion/);
  });
});
