import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { InMemorySyncMetrics, SYNC_METRIC_NAMES, type SyncSample } from '../../src/core/controller/sync-metrics.js';
import { rawNamespace } from './fakes.js';
import { harness, startedAndSynced, upsertNamespaces } from './harness.js';

describe('sync metrics', () => {
  it('records every sync: outcome, mode, duration, fragments and event-to-sync latency', async () => {
    const samples: SyncSample[] = [];
    const h = harness({ metrics: { record: (sample) => samples.push(sample) } });
    h.backend.removedPerSync = 2;
    // The first sync takes 250 ms: the test holds it while the clock moves.
    const first = h.backend.holdNext();
    h.controller.start(h.store);
    upsertNamespaces(h.store, 3);
    h.store.synced();
    await h.clock.runDue();
    await h.clock.advance(250);
    first.resolve();
    await h.controller.whenIdle();

    // Two events at 500 and 700; the reconcile waits for 1000 (minimum interval) and fails.
    await h.clock.advance(250);
    h.store.upsert(rawNamespace('a'));
    await h.clock.advance(200);
    h.store.upsert(rawNamespace('b'));
    h.backend.failNext();
    await h.clock.advance(300);
    // The retry at 2000 succeeds in 100 ms.
    const retry = h.backend.holdNext();
    await h.clock.advance(1000);
    await h.clock.advance(100);
    retry.resolve();
    await h.controller.whenIdle();

    assert.deepEqual(
      samples.map((sample) => [sample.outcome, sample.mode, sample.resync, sample.startedAtMs, sample.finishedAtMs]),
      [
        ['ok', 'full', true, 0, 250],
        ['error', 'incremental', false, 1000, 1000],
        ['ok', 'incremental', false, 2000, 2100],
      ],
    );
    const [full, failed, retried] = samples;
    assert.equal(full?.concern, 'route');
    assert.equal(full?.backend, 'fake');
    assert.equal(full?.durationSeconds, 0.25);
    // The three namespaces were marked at 0, before the store was synced.
    assert.equal(full?.latencySeconds, 0.25);
    assert.equal(full?.objectChanges, 3, 'the full plan covered the three changes marked before');
    assert.equal(failed?.objectChanges, 2);
    assert.equal(failed?.fragmentsChanged, 0);
    assert.equal(failed?.latencySeconds, undefined, 'a failed sync covers nothing');
    assert.equal(retried?.durationSeconds, 0.1);
    assert.equal(retried?.fragmentsChanged, 2, 'the retried plan holds both changes');
    assert.equal(retried?.fragmentsRemoved, 2);
    assert.equal(retried?.objectChanges, 0, 'nothing new arrived during the backoff');
    // From the first event (500) to the end of the sync that covered it (2100).
    assert.equal(retried?.latencySeconds, 1.6);
  });

  it('keeps counters, sums and last values per concern in memory', async () => {
    const h = harness();
    h.backend.removedPerSync = 1;
    await startedAndSynced(h);
    await h.clock.advance(5000);
    h.backend.failNext();
    upsertNamespaces(h.store, 4);
    await h.clock.runDue();
    await h.clock.advance(1000);

    const route = h.metrics.of('route');
    assert.deepEqual(route.syncsTotal, { ok: 2, error: 1 });
    assert.deepEqual(route.syncsByModeTotal, { full: 1, incremental: 2 });
    assert.equal(route.durationSecondsCount, 3);
    assert.equal(route.durationSecondsSum, 0);
    assert.equal(route.fragmentsChangedTotal, 4);
    assert.equal(route.fragmentsRemovedTotal, 2);
    assert.equal(route.latencySecondsCount, 1, 'only the sync that covered the events has a latency');
    assert.equal(route.lastLatencySeconds, 1);
    assert.equal(route.lastSyncTimestampSeconds, 6);
    assert.equal(route.lastOutcome, 'ok');
    assert.deepEqual(h.metrics.concerns(), ['route']);
    assert.deepEqual(h.metrics.of('proxy').syncsTotal, { ok: 0, error: 0 });
  });

  it('keeps the last successful sync time across a failure', () => {
    const metrics = new InMemorySyncMetrics();
    const sample: SyncSample = {
      concern: 'firewall',
      backend: 'fake',
      outcome: 'ok',
      mode: 'full',
      resync: true,
      startedAtMs: 1000,
      finishedAtMs: 3000,
      durationSeconds: 2,
      fragmentsChanged: 1,
      fragmentsRemoved: 0,
      objectChanges: 0,
    };
    metrics.record(sample);
    metrics.record({ ...sample, outcome: 'error', startedAtMs: 5000, finishedAtMs: 5500, durationSeconds: 0.5 });
    const firewall = metrics.of('firewall');
    assert.equal(firewall.lastSyncTimestampSeconds, 3);
    assert.equal(firewall.lastOutcome, 'error');
    assert.equal(firewall.durationSecondsSum, 2.5);
    assert.equal(firewall.lastDurationSeconds, 0.5);
  });

  it('names metrics the Prometheus way', () => {
    for (const name of Object.values(SYNC_METRIC_NAMES)) {
      assert.match(name, /^kube_router_[a-z_]+_(seconds|total)$/);
    }
  });

  it('a sink that throws never stops the loop', async () => {
    const h = harness({
      metrics: {
        record: () => {
          throw new Error('broken exporter');
        },
      },
      onReconcile: () => {
        throw new Error('broken logger');
      },
    });
    await startedAndSynced(h);
    h.store.upsert(rawNamespace('a'));
    await h.clock.advance(1000);
    assert.deepEqual(h.backend.syncs.map((sync) => sync.outcome), ['ok', 'ok']);
  });
});
