import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { rawNamespace } from './fakes.js';
import { harness, startedAndSynced } from './harness.js';

describe('ConcernController: periodic full resync', () => {
  it('replans in full and syncs with resync every resyncIntervalMs (5 min by default)', async () => {
    const h = harness();
    await startedAndSynced(h);
    await h.clock.advance(30_000);
    h.store.upsert(rawNamespace('a'));
    await h.clock.advance(600_000 - 30_000);
    assert.deepEqual(
      h.planner.calls.map((call) => [call.method, call.at]),
      [['full', 0], ['update', 30_000], ['full', 300_000], ['full', 600_000]],
    );
    assert.deepEqual(h.backend.syncs.map((sync) => sync.resync), [true, false, true, true]);
    assert.equal(h.controller.status.nextResyncAtMs, 900_000);
  });

  it('follows the configured period, counted from the end of the last resync', async () => {
    const h = harness({ resyncIntervalMs: 60_000 });
    await startedAndSynced(h);
    await h.clock.advance(59_000);
    const held = h.backend.holdNext();
    await h.clock.advance(1000);
    assert.equal(h.backend.syncs.at(-1)?.outcome, 'held');
    await h.clock.advance(2000);
    held.resolve();
    await h.controller.whenIdle();
    await h.clock.advance(61_000);
    assert.deepEqual(
      h.backend.syncs.map((sync) => [sync.at, sync.resync]),
      [
        [0, true],
        [60_000, true],
        [122_000, true],
      ],
    );
  });

  it('turns periodic resyncs off with 0', async () => {
    const h = harness({ resyncIntervalMs: 0 });
    await startedAndSynced(h);
    assert.equal(h.clock.pendingTimers, 0);
    await h.clock.advance(3_600_000);
    assert.equal(h.backend.syncs.length, 1);
  });

  it('waits out a backoff before the resync, then makes the retry the resync', async () => {
    const h = harness({ resyncIntervalMs: 10_000, backoff: { initialMs: 4000 } });
    await startedAndSynced(h);
    await h.clock.advance(8000);
    h.backend.failNext();
    h.store.upsert(rawNamespace('a'));
    await h.clock.runDue();
    // The resync falls due at 10 s, inside the backoff that ends at 12 s.
    await h.clock.advance(4000);
    assert.deepEqual(
      h.backend.syncs.map((sync) => [sync.at, sync.outcome, sync.resync]),
      [
        [0, 'ok', true],
        [8000, 'error', false],
        [12_000, 'ok', true],
      ],
    );
    assert.equal(h.planner.calls.at(-1)?.method, 'full');
  });
});
