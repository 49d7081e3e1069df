import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { Problem } from '../../src/core/model/index.js';
import type { ChangeSet } from '../../src/core/store/change.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { rawNode, rawPod, rawService, rawSlice } from './raw-objects.js';

function serviceWithBadPort(): Record<string, unknown> {
  const service = rawService('web') as { spec: { ports: unknown[] } };
  service.spec.ports.push({ name: 'bad', protocol: 'TCP', port: 99999 });
  return service as unknown as Record<string, unknown>;
}

function sliceWithoutServiceLabel(name: string): Record<string, unknown> {
  const slice = rawSlice(name, 'web') as { metadata: { labels: Record<string, string> } };
  slice.metadata.labels = {};
  return slice as unknown as Record<string, unknown>;
}

const messages = (problems: readonly Problem[]): string[] => problems.map((problem) => problem.message);

describe('ClusterStore problems', () => {
  it('keeps an object with a bad part, and its problem with the origin', () => {
    const store = new ClusterStore();
    store.upsert(serviceWithBadPort(), 'svc.yaml:3');
    const snapshot = store.snapshot();
    assert.equal(snapshot.service('default/web')?.ports.length, 1);
    const problems = snapshot.problems();
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.field, 'spec.ports[1].port');
    assert.equal(problems[0]?.origin, 'svc.yaml:3');
    assert.equal(problems[0]?.severity, 'error');
  });

  it('removes the problems when the object is fixed, and counts that as a change', () => {
    const store = new ClusterStore();
    store.upsert(serviceWithBadPort());
    const sets: ChangeSet[] = [];
    store.onChange((set) => sets.push(set));
    store.upsert(rawService('web'));
    assert.deepEqual(store.snapshot().problems(), []);
    // The object itself did not change (the bad port was dropped before), only its problems.
    assert.deepEqual(sets, [{ generation: 2, changes: [] }]);
  });

  it('replaces the problems when the object is updated', () => {
    const store = new ClusterStore();
    store.upsert(serviceWithBadPort());
    const other = rawService('web') as { spec: { ports: unknown[] } };
    other.spec.ports.push({ name: 'worse', protocol: 'XTP', port: 81 });
    store.upsert(other);
    const problems = store.snapshot().problems();
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.field, 'spec.ports[1].protocol');
  });

  it('removes the problems when the object is deleted', () => {
    const store = new ClusterStore();
    store.upsert(serviceWithBadPort());
    store.remove(rawService('web'));
    assert.deepEqual(store.snapshot().problems(), []);
  });

  it('keeps the last valid version when an update stops converting, and takes the fix', () => {
    const store = new ClusterStore();
    store.upsert(rawService('web'));
    store.upsert(rawSlice('web-1', 'web'));
    const before = store.generation;
    const sets: ChangeSet[] = [];
    store.onChange((set) => sets.push(set));
    store.upsert(sliceWithoutServiceLabel('web-1'));
    // The slice that was programmed stays; only the problem list changed.
    assert.equal(store.snapshot().endpointSlicesForService('default/web').length, 1);
    assert.deepEqual(sets[0]?.changes, []);
    assert.equal(store.generation, before + 1);
    const messages = store.snapshot().problems().map((problem) => problem.message);
    assert.equal(messages.length, 2);
    assert.ok(messages.some((message) => message.includes('kubernetes.io/service-name')));
    assert.ok(messages.includes('update rejected: the last valid version stays in effect'));
    store.upsert(rawSlice('web-1', 'web'));
    assert.equal(store.snapshot().endpointSlicesForService('default/web').length, 1);
    assert.deepEqual(store.snapshot().problems(), []);
  });

  it('removes the problems of a dropped object when it is deleted', () => {
    const store = new ClusterStore();
    store.upsert(sliceWithoutServiceLabel('web-1'));
    assert.equal(store.snapshot().problems().length, 1);
    store.remove(rawSlice('web-1', 'web'));
    assert.deepEqual(store.snapshot().problems(), []);
  });

  it('ignores kinds outside the model without a problem', () => {
    const store = new ClusterStore();
    store.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } });
    assert.equal(store.generation, 0);
    assert.deepEqual(store.snapshot().problems(), []);
  });

  it('keeps problems of an object without a kind or name as source-level problems', () => {
    const store = new ClusterStore();
    store.upsert({ metadata: { name: 'x' } }, 'f.yaml:1');
    store.upsert({ kind: 'Pod' }, 'f.yaml:5');
    const problems = store.snapshot().problems();
    assert.deepEqual(messages(problems), ['kind is missing', 'metadata is missing']);
    assert.deepEqual(
      problems.map((problem) => problem.origin),
      ['f.yaml:1', 'f.yaml:5'],
    );
  });

  it('records a source-level problem once, before object problems', () => {
    const store = new ClusterStore();
    store.upsert(serviceWithBadPort());
    const bad: Problem = { kind: 'File', name: 'bad.yaml', field: '', message: 'bad.yaml:2:1: oops', severity: 'error' };
    store.problem(bad);
    store.problem({ ...bad });
    const problems = store.snapshot().problems();
    assert.equal(problems.length, 2);
    assert.deepEqual(problems[0], bad);
  });
});

describe('ClusterStore duplicates', () => {
  it('lets the later object win and warns, naming both origins', () => {
    const store = new ClusterStore();
    store.upsert(rawPod('a', { ip: '10.244.0.5' }), 'a.yaml:1');
    store.upsert(rawPod('a', { ip: '10.244.0.6' }), 'b.yaml:4');
    store.synced();
    const snapshot = store.snapshot();
    assert.deepEqual(snapshot.pod('default/a')?.podIPs, ['10.244.0.6']);
    assert.deepEqual(snapshot.problems(), [
      {
        kind: 'Pod',
        namespace: 'default',
        name: 'a',
        field: '',
        message: 'duplicate object, the later one wins (a.yaml:1 vs b.yaml:4)',
        severity: 'warning',
        origin: 'b.yaml:4',
      },
    ]);
  });

  it('warns about identical duplicates too', () => {
    const store = new ClusterStore();
    store.upsert(rawPod('a'), 'a.yaml:1');
    store.upsert(rawPod('a'), 'a.yaml:9');
    assert.deepEqual(messages(store.snapshot().problems()), ['duplicate object, the later one wins (a.yaml:1 vs a.yaml:9)']);
  });

  it('does not warn about the same origin delivering again, nor about updates after sync', () => {
    const store = new ClusterStore();
    store.upsert(rawPod('a'), 'a.yaml:1');
    store.upsert(rawPod('a', { labels: { v: '2' } }), 'a.yaml:1');
    store.synced();
    store.upsert(rawPod('a', { labels: { v: '3' } }), 'a.yaml:7');
    assert.deepEqual(store.snapshot().problems(), []);
  });

  it('warns when two sources deliver the same object, even after sync', () => {
    const store = new ClusterStore();
    const first = store.sink('manifests');
    const second = store.sink('kubernetes');
    first.upsert(rawNode('n1'), 'nodes.yaml:1');
    first.synced();
    second.upsert(rawNode('n1'));
    second.synced();
    assert.deepEqual(messages(store.snapshot().problems()), ['duplicate object, the later one wins (nodes.yaml:1 vs kubernetes)']);
  });

  it('does not treat a re-add after delete as a duplicate', () => {
    const store = new ClusterStore();
    store.upsert(rawPod('a'), 'a.yaml:1');
    store.remove(rawPod('a'));
    store.upsert(rawPod('a'), 'b.yaml:1');
    assert.deepEqual(store.snapshot().problems(), []);
  });
});

describe('ClusterStore dangling references', () => {
  it('keeps a slice of a missing service with a warning that goes when the service comes', () => {
    const store = new ClusterStore();
    store.upsert(rawSlice('web-1', 'web'), 'slices.yaml:2');
    let snapshot = store.snapshot();
    assert.equal(snapshot.endpointSlicesForService('default/web').length, 1);
    assert.deepEqual(snapshot.problems(), [
      {
        kind: 'EndpointSlice',
        namespace: 'default',
        name: 'web-1',
        field: 'metadata.labels["kubernetes.io/service-name"]',
        message: 'service default/web does not exist',
        severity: 'warning',
        origin: 'slices.yaml:2',
      },
    ]);
    store.upsert(rawService('web'));
    assert.deepEqual(store.snapshot().problems(), []);
    store.remove(rawService('web'));
    snapshot = store.snapshot();
    assert.deepEqual(messages(snapshot.problems()), ['service default/web does not exist']);
  });

  it('warns about a pod on an unknown node, not about an unscheduled pod', () => {
    const store = new ClusterStore();
    store.upsert(rawNode('n1'));
    store.upsert(rawPod('here', { nodeName: 'n1' }));
    store.upsert(rawPod('lost', { nodeName: 'n2' }));
    store.upsert(rawPod('pending'));
    const problems = store.snapshot().problems();
    assert.deepEqual(
      problems.map((problem) => [problem.name, problem.field, problem.message, problem.severity]),
      [['lost', 'spec.nodeName', 'node n2 does not exist', 'warning']],
    );
    assert.equal(store.snapshot().podsOnNode('n2').length, 1);
    store.upsert(rawNode('n2', '192.168.0.2', '10.244.1.0/24'));
    assert.deepEqual(store.snapshot().problems(), []);
  });
});
