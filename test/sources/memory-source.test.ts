import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { MemorySource } from '../../src/core/source/memory-source.js';
import type { ChangeSet } from '../../src/core/store/change.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { rawNode, rawPod } from '../store/raw-objects.js';

describe('MemorySource', () => {
  it('delivers the initial objects as one batch, then synced', async () => {
    const source = new MemorySource([rawNode('n1'), rawPod('a'), rawPod('b')]);
    const store = new ClusterStore();
    const sets: ChangeSet[] = [];
    store.onChange((set) => sets.push(set));
    await source.start(store);
    assert.ok(store.isSynced());
    assert.equal(sets.length, 1);
    assert.equal(sets[0]?.changes.length, 3);
    assert.deepEqual(store.snapshot().counts().Pod, 2);
  });

  it('only holds changes made before start, and forwards those made after', async () => {
    const source = new MemorySource();
    source.add(rawPod('a'));
    source.add(rawPod('b'));
    source.delete(rawPod('a'));
    source.update(rawPod('b', { labels: { v: '2' } }));
    assert.equal(source.objects().length, 1);
    const store = new ClusterStore();
    await source.start(store);
    assert.deepEqual(store.snapshot().pod('default/b')?.labels, { v: '2' });
    source.add(rawPod('c'), 'test:1');
    source.delete(rawPod('b'));
    assert.deepEqual(
      store.snapshot().pods().map((pod) => pod.key),
      ['default/c'],
    );
  });

  it('stops forwarding after stop', async () => {
    const source = new MemorySource();
    const store = new ClusterStore();
    await source.start(store);
    await source.stop();
    source.add(rawPod('a'));
    assert.equal(store.snapshot().counts().Pod, 0);
    assert.equal(source.objects().length, 1);
  });

  it('works with a sink that cannot batch', async () => {
    const events: string[] = [];
    const source = new MemorySource([rawPod('a')]);
    await source.start({
      upsert: () => events.push('upsert'),
      remove: () => events.push('remove'),
      problem: () => events.push('problem'),
      synced: () => events.push('synced'),
    });
    assert.deepEqual(events, ['upsert', 'synced']);
  });
});
