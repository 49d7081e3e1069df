import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { ManualClock } from '../../src/core/controller/manual-clock.js';
import { ClusterStore } from '../../src/core/store/cluster-store.js';
import { rawNamespace } from './fakes.js';
import { harness, startedAndSynced, upsertNamespaces } from './harness.js';

describe('ConcernController: failures', () => {
  it('retries a failing sync after 1, 2, 4, ... s, capped at 60 s (the defaults)', async () => {
    const h = harness({ resyncIntervalMs: 0 });
    h.backend.failForever();
    await startedAndSynced(h);
    await h.clock.advance(200_000);
    assert.deepEqual(h.backend.attemptTimes, [0, 1000, 3000, 7000, 15_000, 31_000, 63_000, 123_000, 183_000]);
    assert.equal(h.controller.status.consecutiveFailures, 9);
    assert.equal(h.controller.status.nextReconcileAtMs, 243_000);
    assert.match(String(h.controller.status.lastError), /injected failure/);
  });

  it('follows the configured backoff, and starts it over after a success', async () => {
    const h = harness({ resyncIntervalMs: 0, minSyncIntervalMs: 100, backoff: { initialMs: 500, maxMs: 2000 } });
    h.backend.failNext(5);
    await startedAndSynced(h);
    await h.clock.advance(10_000);
    // Failures at 0, 500, 1500, 3500, 5500; the sixth attempt, at 7500, succeeds.
    assert.deepEqual(h.backend.attemptTimes, [0, 500, 1500, 3500, 5500, 7500]);
    assert.equal(h.controller.status.consecutiveFailures, 0);
    h.backend.failNext(1);
    h.store.upsert(rawNamespace('a'));
    await h.clock.advance(1000);
    assert.deepEqual(h.backend.attemptTimes.slice(6), [10_000, 10_500], 'the first retry waits the initial delay again');
  });

  it('retries the latest plan when nothing new arrived: the planner is not asked again', async () => {
    const h = harness();
    await startedAndSynced(h);
    await h.clock.advance(10_000);
    h.backend.failNext();
    h.store.upsert(rawNamespace('a'));
    await h.clock.runDue();
    const failedPlan = h.backend.syncs[1]?.plan;
    assert.equal(h.backend.syncs[1]?.outcome, 'error');
    assert.equal(h.planner.calls.length, 2);
    await h.clock.advance(1000);
    assert.deepEqual(h.backend.attemptTimes, [0, 10_000, 11_000]);
    assert.equal(h.backend.syncs[2]?.outcome, 'ok');
    assert.equal(h.backend.syncs[2]?.plan, failedPlan, 'the same plan, since the planner has advanced already');
    assert.equal(h.planner.calls.length, 2);
  });

  it('holds events that arrive during backoff for the retry, which includes them', async () => {
    const h = harness();
    await startedAndSynced(h);
    await h.clock.advance(10_000);
    h.backend.failNext();
    h.store.upsert(rawNamespace('a'));
    await h.clock.runDue();
    await h.clock.advance(500);
    h.store.upsert(rawNamespace('b'));
    await h.clock.advance(499);
    assert.deepEqual(h.backend.attemptTimes, [0, 10_000], 'an event does not cut the backoff short');
    assert.equal(h.controller.status.pendingChanges, 1);
    await h.clock.advance(1);
    assert.deepEqual(h.backend.attemptTimes, [0, 10_000, 11_000]);
    assert.deepEqual(h.planner.calls[2]?.changes.map((change) => change.key), ['b'], 'only what the planner has not seen');
    const retried = h.backend.syncs[2];
    assert.equal(retried?.outcome, 'ok');
    assert.deepEqual(retried?.plan.seen, ['Namespace/a', 'Namespace/b'], 'the synced plan covers both events');
    assert.equal(h.backend.programmed, retried?.plan);
  });

  it('puts the changes back when the planner throws, and replans in full on the retry', async () => {
    const h = harness();
    await startedAndSynced(h);
    await h.clock.advance(10_000);
    h.planner.failNext();
    h.store.upsert(rawNamespace('a'));
    await h.clock.runDue();
    assert.equal(h.backend.syncs.length, 1, 'nothing reaches the backend');
    assert.equal(h.controller.status.pendingChanges, 1);
    assert.equal(h.controller.status.consecutiveFailures, 1);
    await h.clock.advance(1000);
    assert.deepEqual(
      h.planner.calls.map((call) => [call.method, call.at]),
      [['full', 0], ['update', 10_000], ['full', 11_000]],
    );
    assert.equal(h.backend.syncs.at(-1)?.outcome, 'ok');
    assert.equal(h.backend.syncs.at(-1)?.resync, false, 'a planner failure is no reason to read the kernel back');
    assert.equal(h.metrics.of('route').lastSample?.mode, 'full');
    assert.equal(h.controller.status.pendingChanges, 0);
  });

  it('keeps a failed resync a resync until it succeeds', async () => {
    const h = harness();
    h.backend.failNext();
    await startedAndSynced(h);
    await h.clock.advance(1000);
    assert.deepEqual(h.backend.syncs.map((sync) => [sync.outcome, sync.resync, sync.plan.full]), [
      ['error', true, true],
      ['ok', true, true],
    ]);
    assert.deepEqual(h.planner.calls.map((call) => call.method), ['full']);
  });

  it('isolates concerns: a route backend failing forever never stops the proxy controller', async () => {
    const clock = new ManualClock();
    const store = new ClusterStore();
    const route = harness({}, 'route', { clock, store });
    const proxy = harness({}, 'proxy', { clock, store });
    route.backend.failForever();
    route.controller.start(store);
    proxy.controller.start(store);
    store.synced();
    for (let second = 0; second < 20; second++) {
      await clock.advance(1000);
      upsertNamespaces(store, 1, `at-${second}`);
    }
    await clock.advance(1000);
    assert.equal(proxy.backend.okSyncs.length, 21, 'the first full sync and one per second after it');
    assert.deepEqual(proxy.backend.programmed?.seen.length, 20);
    assert.equal(proxy.controller.status.consecutiveFailures, 0);
    assert.deepEqual(route.backend.attemptTimes, [0, 1000, 3000, 7000, 15_000]);
    assert.equal(route.backend.okSyncs.length, 0);
    assert.equal(route.controller.status.consecutiveFailures, 5);
    route.backend.failForever(false);
    await clock.advance(16_000);
    assert.equal(route.backend.okSyncs.length, 1);
    assert.deepEqual(route.backend.programmed?.seen.length, 20, 'the recovered controller caught up with every event');
    await route.controller.stop();
    await proxy.controller.stop();
  });
});
