import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { Problem } from '../../src/core/model/index.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { rawNamespace, rawNode, rawPod, rawPolicy, rawService, rawSlice } from './raw-objects.js';

// The store's index keys join parts with NUL (see index-keys.ts): `node NUL podKey`,
// `labelKey NUL labelValue NUL podKey`, `namespace/service NUL sliceKey`. A NUL inside a part
// would make a prefix match another value's entries. These tests feed the store the raw
// objects of each attack and check that the object is refused (a Problem) and indexed nowhere.

const keys = (objects: readonly { key: string }[]): string[] => objects.map((object) => object.key);

function errorsOf(snapshot: ClusterSnapshot, name: string): Problem[] {
  return snapshot.problems().filter((problem) => problem.name === name && problem.severity === 'error');
}

describe('ClusterStore: index keys cannot be forged', () => {
  it('refuses a pod whose nodeName is "node-1\\u0000evil": podsOnNode("node-1") does not return it', () => {
    const store = new ClusterStore();
    store.upsert(rawNode('node-1'));
    store.upsert(rawPod('good', { nodeName: 'node-1' }));
    store.upsert(rawPod('evil', { nodeName: 'node-1\u0000evil' }));
    const snapshot = store.snapshot();
    assert.deepEqual(keys(snapshot.podsOnNode('node-1')), ['default/good']);
    assert.equal(snapshot.pod('default/evil'), undefined);
    assert.deepEqual(errorsOf(snapshot, 'evil').map((problem) => problem.field), ['spec.nodeName']);
  });

  it('refuses a slice labelled service-name "web\\u0000x": it injects no endpoint into default/web', () => {
    const store = new ClusterStore();
    store.upsert(rawService('web'));
    store.upsert(rawSlice('web-1', 'web'));
    store.upsert(rawSlice('evil', 'web\u0000x', 'default', ['10.244.0.66']));
    const snapshot = store.snapshot();
    assert.deepEqual(keys(snapshot.endpointSlicesForService('default/web')), ['default/web-1']);
    assert.deepEqual(keys(snapshot.endpointSlices()), ['default/web-1']);
    assert.deepEqual(errorsOf(snapshot, 'evil').map((problem) => problem.field), ['metadata.labels["kubernetes.io/service-name"]']);
  });

  it('refuses a pod labelled "app\\u0000web": it does not match app=web', () => {
    const store = new ClusterStore();
    store.upsert(rawPod('good', { labels: { app: 'web' } }));
    store.upsert(rawPod('evil', { labels: { 'app\u0000web': '' } }));
    const snapshot = store.snapshot();
    assert.deepEqual(keys(snapshot.podsWithLabel('app', 'web')), ['default/good']);
    assert.deepEqual(keys(snapshot.podsMatching({ matchLabels: { app: 'web' }, matchExpressions: [] })), ['default/good']);
    assert.deepEqual(errorsOf(snapshot, 'evil').map((problem) => problem.field), ['metadata.labels["app\\u0000web"]']);
  });

  it('refuses a service port named "http; $(touch /tmp/x)\\nCOMMIT", which would become part of a plan key', () => {
    const store = new ClusterStore();
    const service = rawService('web') as { spec: { ports: unknown[] } };
    service.spec.ports = [
      { name: 'http; $(touch /tmp/x)\nCOMMIT', protocol: 'TCP', port: 80, targetPort: 8080 },
      { name: 'metrics', protocol: 'TCP', port: 9090, targetPort: 9090 },
    ];
    store.upsert(service as unknown as Record<string, unknown>);
    const snapshot = store.snapshot();
    assert.deepEqual(snapshot.service('default/web')?.ports.map((port) => port.name), ['metrics']);
    const [problem] = errorsOf(snapshot, 'web');
    assert.equal(problem?.field, 'spec.ports[0].name');
    // The message quotes the name with its newline escaped, so it prints as one line.
    assert.ok(problem?.message.includes('"http; $(touch /tmp/x)\\nCOMMIT"'), problem?.message);
    assert.ok(!problem?.message.includes('\n'));
  });

  it('keeps the last valid pod when an update moves it to "node-1\\u0000evil"', () => {
    const store = new ClusterStore();
    store.upsert(rawPod('web', { nodeName: 'node-1' }));
    store.upsert(rawPod('web', { nodeName: 'node-1\u0000evil' }));
    const snapshot = store.snapshot();
    assert.equal(snapshot.pod('default/web')?.nodeName, 'node-1');
    assert.deepEqual(keys(snapshot.podsOnNode('node-1')), ['default/web']);
  });

  it('never lets a NUL reach an index, whatever field of whatever kind holds it', () => {
    const store = new ClusterStore();
    const nul = '\u0000';
    store.batch(() => {
      store.upsert(rawNode(`node${nul}x`));
      store.upsert(rawNamespace(`shop${nul}x`));
      store.upsert(rawNamespace('shop', { [`team${nul}`]: 'a' }));
      store.upsert(rawNamespace('other', { team: `a${nul}b` }));
      store.upsert(rawPod(`p${nul}1`));
      store.upsert(rawPod('p2', { namespace: `shop${nul}x` }));
      store.upsert(rawPod('p3', { nodeName: `n${nul}` }));
      store.upsert(rawPod('p4', { labels: { app: `web${nul}` } }));
      store.upsert(rawPod('p5', { labels: { [`${nul}app`]: 'web' } }));
      store.upsert(rawService(`svc${nul}`));
      store.upsert(rawSlice(`s${nul}1`, 'web'));
      store.upsert(rawSlice('s2', `web${nul}`));
      store.upsert(rawPolicy(`deny${nul}`));
    });
    const snapshot = store.snapshot();
    assert.deepEqual(snapshot.counts(), { Node: 0, Namespace: 0, Pod: 0, Service: 0, EndpointSlice: 0, NetworkPolicy: 0 });
    // Every one of the thirteen objects was refused with an error naming the bad field.
    const refused = new Set(snapshot.problems().filter((problem) => problem.severity === 'error').map((problem) => `${problem.kind} ${problem.name ?? ''} ${problem.namespace ?? ''}`));
    assert.equal(refused.size, 13, JSON.stringify(snapshot.problems(), null, 1));
    for (const prefix of ['node', 'n', 'web', 'app', '']) assert.deepEqual(snapshot.podsOnNode(prefix), [], prefix);
    assert.deepEqual(snapshot.podsWithLabel('app', 'web'), []);
    assert.deepEqual(snapshot.endpointSlicesForService('default/web'), []);
  });
});
