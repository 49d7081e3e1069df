import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { rawNamespace, rawNode, rawPod, rawPolicy, rawService, rawSlice } from './raw-objects.js';

const keys = (objects: readonly { key: string }[]): string[] => objects.map((object) => object.key);

function loadedStore(): ClusterStore {
  const store = new ClusterStore();
  store.batch(() => {
    store.upsert(rawNode('node-b', '192.168.0.2', '10.244.1.0/24'));
    store.upsert(rawNode('node-a', '192.168.0.1', '10.244.0.0/24'));
    store.upsert(rawNamespace('shop', { team: 'red' }));
    store.upsert(rawNamespace('default'));
    store.upsert(rawPod('web-2', { namespace: 'shop', labels: { app: 'web', tier: 'front' }, nodeName: 'node-b' }));
    store.upsert(rawPod('web-1', { namespace: 'shop', labels: { app: 'web', tier: 'front' }, nodeName: 'node-a' }));
    store.upsert(rawPod('db-1', { namespace: 'shop', labels: { app: 'db', tier: 'back' }, nodeName: 'node-a' }));
    store.upsert(rawPod('web-1', { namespace: 'default', labels: { app: 'web' }, nodeName: 'node-b' }));
    store.upsert(rawPod('pending', { namespace: 'default', labels: { app: 'web-2' } }));
    store.upsert(rawService('web', 'shop', '10.96.0.10'));
    store.upsert(rawService('db', 'shop', '10.96.0.11'));
    store.upsert(rawService('web', 'default', '10.96.0.12'));
    store.upsert(rawSlice('web-xyz', 'web', 'shop'));
    store.upsert(rawSlice('web-abc', 'web', 'shop'));
    store.upsert(rawSlice('db-abc', 'db', 'shop'));
    store.upsert(rawSlice('web-abc', 'web', 'default'));
    store.upsert(rawPolicy('deny', 'shop'));
    store.upsert(rawPolicy('allow', 'shop'));
    store.upsert(rawPolicy('allow', 'default'));
  });
  store.synced();
  return store;
}

describe('ClusterStore indexes', () => {
  it('lists every kind sorted by key, whatever the arrival order', () => {
    const snapshot = loadedStore().snapshot();
    assert.deepEqual(keys(snapshot.nodes()), ['node-a', 'node-b']);
    assert.deepEqual(keys(snapshot.namespaces()), ['default', 'shop']);
    assert.deepEqual(keys(snapshot.pods()), ['default/pending', 'default/web-1', 'shop/db-1', 'shop/web-1', 'shop/web-2']);
    assert.deepEqual(keys(snapshot.services()), ['default/web', 'shop/db', 'shop/web']);
    assert.deepEqual(keys(snapshot.endpointSlices()), ['default/web-abc', 'shop/db-abc', 'shop/web-abc', 'shop/web-xyz']);
    assert.deepEqual(keys(snapshot.networkPolicies()), ['default/allow', 'shop/allow', 'shop/deny']);
    assert.deepEqual(snapshot.counts(), { Node: 2, Namespace: 2, Pod: 5, Service: 3, EndpointSlice: 4, NetworkPolicy: 3 });
  });

  it('looks objects up by key', () => {
    const snapshot = loadedStore().snapshot();
    assert.equal(snapshot.node('node-a')?.podCIDR, '10.244.0.0/24');
    assert.equal(snapshot.namespace('shop')?.labels['team'], 'red');
    assert.equal(snapshot.pod('shop/web-1')?.nodeName, 'node-a');
    assert.deepEqual(snapshot.service('shop/db')?.clusterIPs, ['10.96.0.11']);
    assert.equal(snapshot.networkPolicy('shop/deny')?.name, 'deny');
    assert.equal(snapshot.pod('shop/nope'), undefined);
    assert.equal(snapshot.node('default/web-1'), undefined);
  });

  it('indexes pods by namespace and by node', () => {
    const snapshot = loadedStore().snapshot();
    assert.deepEqual(keys(snapshot.podsInNamespace('shop')), ['shop/db-1', 'shop/web-1', 'shop/web-2']);
    assert.deepEqual(keys(snapshot.podsInNamespace('sho')), []);
    assert.deepEqual(keys(snapshot.podsOnNode('node-a')), ['shop/db-1', 'shop/web-1']);
    assert.deepEqual(keys(snapshot.podsOnNode('node-b')), ['default/web-1', 'shop/web-2']);
    assert.deepEqual(keys(snapshot.podsOnNode('node-c')), []);
  });

  it('indexes pods by label key=value, without confusing longer values', () => {
    const snapshot = loadedStore().snapshot();
    assert.deepEqual(keys(snapshot.podsWithLabel('app', 'web')), ['default/web-1', 'shop/web-1', 'shop/web-2']);
    assert.deepEqual(keys(snapshot.podsWithLabel('app', 'web-2')), ['default/pending']);
    assert.deepEqual(keys(snapshot.podsWithLabel('tier', 'back')), ['shop/db-1']);
    assert.deepEqual(keys(snapshot.podsWithLabel('app', 'cache')), []);
  });

  it('matches selectors, in one namespace or in all', () => {
    const snapshot = loadedStore().snapshot();
    const selector = (matchLabels: Record<string, string>, matchExpressions: never[] = []) => ({ matchLabels, matchExpressions });
    assert.deepEqual(keys(snapshot.podsMatching(selector({ app: 'web' }), 'shop')), ['shop/web-1', 'shop/web-2']);
    assert.deepEqual(keys(snapshot.podsMatching(selector({ app: 'web' }))), ['default/web-1', 'shop/web-1', 'shop/web-2']);
    assert.deepEqual(keys(snapshot.podsMatching(selector({ app: 'web', tier: 'front' }))), ['shop/web-1', 'shop/web-2']);
    assert.deepEqual(keys(snapshot.podsMatching(selector({}), 'default')), ['default/pending', 'default/web-1']);
    assert.equal(snapshot.podsMatching(selector({})).length, 5);
    const notFront = {
      matchLabels: {},
      matchExpressions: [{ key: 'tier', operator: 'NotIn' as const, values: ['front'] }],
    };
    assert.deepEqual(keys(snapshot.podsMatching(notFront)), ['default/pending', 'default/web-1', 'shop/db-1']);
    const inWebOrDb = {
      matchLabels: {},
      matchExpressions: [{ key: 'app', operator: 'In' as const, values: ['db', 'web'] }],
    };
    assert.deepEqual(keys(snapshot.podsMatching(inWebOrDb, 'shop')), ['shop/db-1', 'shop/web-1', 'shop/web-2']);
    const inDb = { matchLabels: {}, matchExpressions: [{ key: 'app', operator: 'In' as const, values: ['db'] }] };
    assert.deepEqual(keys(snapshot.podsMatching(inDb)), ['shop/db-1']);
  });

  it('finds endpoint slices by service key', () => {
    const snapshot = loadedStore().snapshot();
    assert.deepEqual(keys(snapshot.endpointSlicesForService('shop/web')), ['shop/web-abc', 'shop/web-xyz']);
    assert.deepEqual(keys(snapshot.endpointSlicesForService('default/web')), ['default/web-abc']);
    assert.deepEqual(keys(snapshot.endpointSlicesForService('shop/db')), ['shop/db-abc']);
    assert.deepEqual(keys(snapshot.endpointSlicesForService('shop/we')), []);
  });

  it('lists services and policies by namespace', () => {
    const snapshot = loadedStore().snapshot();
    assert.deepEqual(keys(snapshot.servicesInNamespace('shop')), ['shop/db', 'shop/web']);
    assert.deepEqual(keys(snapshot.policiesInNamespace('shop')), ['shop/allow', 'shop/deny']);
    assert.deepEqual(keys(snapshot.policiesInNamespace('default')), ['default/allow']);
    assert.deepEqual(keys(snapshot.servicesInNamespace('kube-system')), []);
  });

  it('moves a pod between index entries when its node or labels change', () => {
    const store = loadedStore();
    store.upsert(rawPod('web-1', { namespace: 'shop', labels: { app: 'api' }, nodeName: 'node-b' }));
    const snapshot = store.snapshot();
    assert.deepEqual(keys(snapshot.podsOnNode('node-a')), ['shop/db-1']);
    assert.deepEqual(keys(snapshot.podsOnNode('node-b')), ['default/web-1', 'shop/web-1', 'shop/web-2']);
    assert.deepEqual(keys(snapshot.podsWithLabel('app', 'web')), ['default/web-1', 'shop/web-2']);
    assert.deepEqual(keys(snapshot.podsWithLabel('app', 'api')), ['shop/web-1']);
    assert.deepEqual(keys(snapshot.podsWithLabel('tier', 'front')), ['shop/web-2']);
  });

  it('drops a deleted object from every index', () => {
    const store = loadedStore();
    store.remove(rawPod('web-2', { namespace: 'shop' }));
    store.remove(rawSlice('web-xyz', 'web', 'shop'));
    const snapshot = store.snapshot();
    assert.equal(snapshot.pod('shop/web-2'), undefined);
    assert.deepEqual(keys(snapshot.podsOnNode('node-b')), ['default/web-1']);
    assert.deepEqual(keys(snapshot.podsWithLabel('tier', 'front')), ['shop/web-1']);
    assert.deepEqual(keys(snapshot.endpointSlicesForService('shop/web')), ['shop/web-abc']);
  });

  it('hands out frozen lists and objects, and the same list twice', () => {
    const snapshot = loadedStore().snapshot();
    assert.ok(Object.isFrozen(snapshot.pods()));
    assert.equal(snapshot.podsOnNode('node-a'), snapshot.podsOnNode('node-a'));
    const pod = snapshot.pod('shop/web-1');
    assert.ok(pod && Object.isFrozen(pod) && Object.isFrozen(pod.labels) && Object.isFrozen(pod.containers[0]));
    assert.throws(() => {
      (snapshot.pods() as unknown[]).push(1);
    }, TypeError);
  });
});
