import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import type { ChangeSet } from '../../src/core/store/change.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { rawNode, rawPod, rawService } from './raw-objects.js';

function recordingStore(): { store: ClusterStore; sets: ChangeSet[] } {
  const store = new ClusterStore();
  const sets: ChangeSet[] = [];
  store.onChange((set) => sets.push(set));
  return { store, sets };
}

describe('ClusterStore change sets', () => {
  it('announces an add, an update and a delete, one generation each', () => {
    const { store, sets } = recordingStore();
    store.upsert(rawPod('a', { ip: '10.244.0.5' }));
    store.upsert(rawPod('a', { ip: '10.244.0.6' }));
    store.remove(rawPod('a'));
    assert.deepEqual(sets, [
      { generation: 1, changes: [{ kind: 'Pod', key: 'default/a', type: 'added' }] },
      { generation: 2, changes: [{ kind: 'Pod', key: 'default/a', type: 'updated' }] },
      { generation: 3, changes: [{ kind: 'Pod', key: 'default/a', type: 'deleted' }] },
    ]);
    assert.equal(store.generation, 3);
    assert.equal(store.snapshot().generation, 3);
  });

  it('emits nothing for an upsert equal to the stored object', () => {
    const { store, sets } = recordingStore();
    store.upsert(rawPod('a', { labels: { app: 'web' } }));
    store.upsert(rawPod('a', { labels: { app: 'web' } }));
    assert.equal(sets.length, 1);
    assert.equal(store.generation, 1);
  });

  it('emits nothing for an upsert with the stored resourceVersion, even if its content differs', () => {
    const { store, sets } = recordingStore();
    store.upsert(rawPod('a', { ip: '10.244.0.5', resourceVersion: '7' }));
    // Same resourceVersion means the same object in the API server: the store skips it unread.
    store.upsert(rawPod('a', { ip: '10.244.0.9', resourceVersion: '7' }));
    assert.equal(sets.length, 1);
    assert.deepEqual(store.snapshot().pod('default/a')?.podIPs, ['10.244.0.5']);
    store.upsert(rawPod('a', { ip: '10.244.0.9', resourceVersion: '8' }));
    assert.equal(sets.length, 2);
    assert.deepEqual(store.snapshot().pod('default/a')?.podIPs, ['10.244.0.9']);
  });

  it('ignores a delete of an object it does not hold', () => {
    const { store, sets } = recordingStore();
    store.remove(rawPod('ghost'));
    assert.equal(sets.length, 0);
  });

  it('coalesces a batch into one change set, per object', () => {
    const { store, sets } = recordingStore();
    store.upsert(rawPod('kept'));
    store.upsert(rawPod('gone'));
    store.batch(() => {
      for (let index = 0; index < 100; index++) store.upsert(rawPod(`p${index}`));
      store.upsert(rawPod('p1', { labels: { updated: 'yes' } }));
      store.upsert(rawPod('temporary'));
      store.remove(rawPod('temporary'));
      store.upsert(rawPod('kept', { labels: { changed: 'yes' } }));
      store.remove(rawPod('gone'));
      store.batch(() => store.upsert(rawNode('nested')));
    });
    assert.equal(sets.length, 3);
    const last = sets[2] as ChangeSet;
    assert.equal(last.generation, 3);
    assert.equal(last.changes.length, 100 + 3);
    assert.deepEqual(last.changes.find((change) => change.key === 'default/p1'), { kind: 'Pod', key: 'default/p1', type: 'added' });
    assert.equal(last.changes.find((change) => change.key === 'default/temporary'), undefined);
    assert.deepEqual(last.changes.find((change) => change.key === 'default/kept')?.type, 'updated');
    assert.deepEqual(last.changes.find((change) => change.key === 'default/gone')?.type, 'deleted');
    assert.deepEqual(last.changes.find((change) => change.key === 'nested')?.kind, 'Node');
  });

  it('reports a delete then re-add within a batch as an update', () => {
    const { store, sets } = recordingStore();
    store.upsert(rawService('web'));
    store.batch(() => {
      store.remove(rawService('web'));
      store.upsert(rawService('web', 'default', '10.96.0.99'));
    });
    assert.deepEqual(sets[1]?.changes, [{ kind: 'Service', key: 'default/web', type: 'updated' }]);
  });

  it('returns what the batch function returns, and emits nothing for an empty batch', () => {
    const { store, sets } = recordingStore();
    assert.equal(
      store.batch(() => 42),
      42,
    );
    assert.equal(sets.length, 0);
  });

  it('refuses a snapshot inside a batch, and shows the new state to listeners', () => {
    const store = new ClusterStore();
    let seen: number | undefined;
    store.onChange((set) => {
      seen = store.snapshot().counts().Pod;
      assert.equal(store.snapshot().generation, set.generation);
    });
    store.batch(() => {
      store.upsert(rawPod('a'));
      assert.throws(() => store.snapshot(), /inside batch/);
    });
    assert.equal(seen, 1);
  });

  it('stops calling a listener after it unsubscribes', () => {
    const { store, sets } = recordingStore();
    let calls = 0;
    const unsubscribe = store.onChange(() => calls++);
    store.upsert(rawPod('a'));
    unsubscribe();
    store.upsert(rawPod('b'));
    assert.equal(calls, 1);
    assert.equal(sets.length, 2);
  });

  it('calls every listener even when one throws, then rethrows', () => {
    const store = new ClusterStore();
    let secondCalled = false;
    store.onChange(() => {
      throw new Error('boom');
    });
    store.onChange(() => {
      secondCalled = true;
    });
    assert.throws(() => store.upsert(rawPod('a')), /boom/);
    assert.ok(secondCalled);
    assert.equal(store.snapshot().counts().Pod, 1);
  });

  it('hands listener errors to onListenerError when given', () => {
    const errors: unknown[] = [];
    const store = new ClusterStore({ onListenerError: (error) => errors.push(error) });
    store.onChange(() => {
      throw new Error('boom');
    });
    store.upsert(rawPod('a'));
    assert.equal(errors.length, 1);
  });
});

describe('ClusterStore snapshots', () => {
  it('does not show changes made after it was taken', () => {
    const store = new ClusterStore();
    store.upsert(rawNode('n1'));
    store.upsert(rawPod('a', { nodeName: 'n1', labels: { app: 'web' }, ip: '10.244.0.5' }));
    const before = store.snapshot();
    const beforePods = before.pods();
    store.upsert(rawPod('a', { nodeName: 'n1', labels: { app: 'api' }, ip: '10.244.0.6' }));
    store.upsert(rawPod('b', { nodeName: 'n1', labels: { app: 'web' } }));
    store.remove(rawNode('n1'));
    assert.equal(before.generation, 2);
    assert.deepEqual(before.pod('default/a')?.podIPs, ['10.244.0.5']);
    assert.equal(before.pods(), beforePods);
    assert.deepEqual(before.podsWithLabel('app', 'web').map((pod) => pod.key), ['default/a']);
    assert.deepEqual(before.podsOnNode('n1').map((pod) => pod.key), ['default/a']);
    assert.equal(before.node('n1')?.name, 'n1');
    assert.deepEqual(before.problems(), []);
    const after = store.snapshot();
    assert.equal(after.generation, 5);
    assert.deepEqual(after.podsWithLabel('app', 'web').map((pod) => pod.key), ['default/b']);
    assert.equal(after.node('n1'), undefined);
  });

  it('is the same object while nothing changes', () => {
    const store = new ClusterStore();
    store.upsert(rawPod('a'));
    const first = store.snapshot();
    store.upsert(rawPod('a'));
    assert.equal(store.snapshot(), first);
  });

  it('shares unchanged objects between snapshots instead of copying them', () => {
    const store = new ClusterStore();
    store.upsert(rawPod('a'));
    store.upsert(rawPod('b'));
    const first = store.snapshot();
    store.upsert(rawPod('b', { labels: { x: 'y' } }));
    const second = store.snapshot();
    assert.equal(second.pod('default/a'), first.pod('default/a'));
    assert.notEqual(second.pod('default/b'), first.pod('default/b'));
  });
});

describe('ClusterStore readiness', () => {
  it('is synced after synced(), and whenSynced resolves', async () => {
    const store = new ClusterStore();
    assert.equal(store.isSynced(), false);
    const waiting = store.whenSynced();
    store.synced();
    await waiting;
    assert.equal(store.isSynced(), true);
  });

  it('waits for every named sink', async () => {
    const store = new ClusterStore();
    const first = store.sink('first');
    const second = store.sink('second');
    first.synced();
    assert.equal(store.isSynced(), false);
    second.synced();
    assert.equal(store.isSynced(), true);
    await store.whenSynced();
    assert.throws(() => store.sink('first'), /already exists/);
  });
});

describe('ClusterStore updates that change nothing the model keeps', () => {
  it('emits no change set when only the resourceVersion and unread status fields move', () => {
    const store = new ClusterStore();
    store.upsert(rawPod('a', { ip: '10.244.0.5', resourceVersion: '7' }));
    const generation = store.generation;
    const seen: unknown[] = [];
    store.onChange((changes) => seen.push(changes));
    const bumped = rawPod('a', { ip: '10.244.0.5', resourceVersion: '8' });
    (bumped as { status: Record<string, unknown> }).status.conditions = [{ type: 'Ready', status: 'True' }];
    (bumped as { metadata: Record<string, unknown> }).metadata.managedFields = [{ manager: 'kubelet' }];
    store.upsert(bumped);
    assert.deepEqual(seen, []);
    assert.equal(store.generation, generation);
    // The new version is kept: the same upsert again is skipped by the version test.
    store.upsert(rawPod('a', { ip: '10.244.0.9', resourceVersion: '8' }));
    assert.deepEqual(seen, []);
    store.upsert(rawPod('a', { ip: '10.244.0.9', resourceVersion: '9' }));
    assert.equal(seen.length, 1);
  });
});
