import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { rawNamespace } from './fakes.js';
import { harness, startedAndSynced, upsertNamespaces } from './harness.js';

describe('ConcernController: the loop', () => {
  describe('sync gate', () => {
    it('plans and programs nothing before the store is synced, then syncs in full with resync', async () => {
      const h = harness();
      h.controller.start(h.store);
      upsertNamespaces(h.store, 3);
      await h.clock.advance(60_000);
      assert.equal(h.planner.calls.length, 0);
      assert.equal(h.backend.syncs.length, 0);
      assert.equal(h.clock.pendingTimers, 0, 'no reconcile may even be scheduled');
      assert.equal(h.controller.status.synced, false);
      assert.equal(h.controller.status.pendingChanges, 3);

      h.store.synced();
      await h.clock.runDue();
      assert.deepEqual(
        h.planner.calls.map((call) => [call.method, call.generation, call.at]),
        [['full', h.store.generation, 60_000]],
      );
      assert.equal(h.backend.syncs.length, 1);
      assert.equal(h.backend.syncs[0]?.resync, true);
      assert.equal(h.controller.status.pendingChanges, 0, 'the full plan covered the changes');
    });

    it('starts at once on a store that is synced already', async () => {
      const h = harness();
      h.store.synced();
      h.controller.start(h.store);
      await h.clock.runDue();
      assert.deepEqual(h.planner.calls.map((call) => call.method), ['full']);
    });
  });

  describe('coalescing', () => {
    it('turns a burst of 100 change sets into one reconcile planning all 100 changes', async () => {
      const h = harness();
      await startedAndSynced(h);
      await h.clock.advance(10_000);
      const generationBefore = h.store.generation;
      upsertNamespaces(h.store, 100);
      assert.equal(h.store.generation, generationBefore + 100, 'each upsert is its own change set');
      assert.equal(h.planner.calls.length, 1, 'nothing is planned inside the listener');
      await h.clock.advance(5000);
      assert.equal(h.planner.calls.length, 2);
      const update = h.planner.calls[1];
      assert.equal(update?.method, 'update');
      assert.equal(update?.generation, h.store.generation, 'it reads the snapshot current at reconcile time');
      assert.equal(update?.changes.length, 100);
      assert.deepEqual(
        update?.changes.map((change) => change.key),
        Array.from({ length: 100 }, (_, index) => `ns-${index}`),
      );
      assert.ok(update?.changes.every((change) => change.kind === 'Namespace' && change.type === 'added'));
      assert.equal(h.backend.syncs.length, 2);
      assert.equal(h.backend.syncs[1]?.resync, false);
    });

    it('counts an object changed many times once, with its net change', async () => {
      const h = harness();
      await startedAndSynced(h);
      h.store.upsert(rawNamespace('kept'));
      await h.clock.advance(2000);
      h.store.upsert(rawNamespace('kept', { a: '1' }));
      h.store.upsert(rawNamespace('kept', { a: '2' }));
      h.store.upsert(rawNamespace('brief'));
      h.store.remove(rawNamespace('brief'));
      await h.clock.advance(2000);
      assert.deepEqual(h.planner.calls.at(-1)?.changes, [{ kind: 'Namespace', key: 'kept', type: 'updated' }]);
    });

    it('does not reconcile for a change set that touches no object (problems only)', async () => {
      const h = harness();
      await startedAndSynced(h);
      const generation = h.store.generation;
      h.store.problem({ kind: 'File', name: 'x.yaml', field: '', message: 'not YAML', severity: 'error' });
      assert.equal(h.store.generation, generation + 1);
      await h.clock.advance(10_000);
      assert.equal(h.planner.calls.length, 1);
      assert.equal(h.clock.pendingTimers, 1, 'only the resync timer');
    });
  });

  describe('minimum interval', () => {
    it('starts a reconcile no sooner than minSyncIntervalMs after the previous one started', async () => {
      const h = harness({ minSyncIntervalMs: 1000 });
      await startedAndSynced(h);
      await h.clock.advance(200);
      h.store.upsert(rawNamespace('a'));
      await h.clock.advance(799);
      assert.deepEqual(h.backend.attemptTimes, [0]);
      h.store.upsert(rawNamespace('b'));
      await h.clock.advance(1);
      assert.deepEqual(h.backend.attemptTimes, [0, 1000]);
      assert.deepEqual(h.planner.calls[1]?.changes.map((change) => change.key), ['a', 'b']);
      // Long after the last reconcile, an event is reconciled at once.
      await h.clock.advance(9000);
      h.store.upsert(rawNamespace('c'));
      await h.clock.runDue();
      assert.deepEqual(h.backend.attemptTimes, [0, 1000, 10_000]);
    });

    it('follows the configured interval', async () => {
      const h = harness({ minSyncIntervalMs: 30_000 });
      await startedAndSynced(h);
      h.store.upsert(rawNamespace('a'));
      await h.clock.advance(29_999);
      assert.equal(h.backend.syncs.length, 1);
      await h.clock.advance(1);
      assert.deepEqual(h.backend.attemptTimes, [0, 30_000]);
    });

    it('waits for a reconcile in flight, then runs one more for what arrived meanwhile', async () => {
      const h = harness({ minSyncIntervalMs: 1000 });
      await startedAndSynced(h);
      await h.clock.advance(5000);
      const held = h.backend.holdNext();
      h.store.upsert(rawNamespace('a'));
      await h.clock.runDue();
      assert.equal(h.controller.status.reconciling, true);
      h.store.upsert(rawNamespace('b'));
      await h.clock.advance(3000);
      assert.equal(h.planner.calls.length, 2, 'one reconcile at a time');
      held.resolve();
      await h.controller.whenIdle();
      await h.clock.runDue();
      assert.deepEqual(h.backend.attemptTimes, [0, 5000, 8000]);
      assert.deepEqual(h.planner.calls[2]?.changes.map((change) => change.key), ['b']);
    });
  });

  describe('syncNow', () => {
    it('reconciles at once, past the minimum interval, and resolves with the outcome', async () => {
      const h = harness({ minSyncIntervalMs: 60_000 });
      await startedAndSynced(h);
      await h.clock.advance(10);
      h.store.upsert(rawNamespace('a'));
      const outcome = h.controller.syncNow();
      await h.clock.runDue();
      const result = await outcome;
      assert.equal(result?.sample.outcome, 'ok');
      assert.equal(result?.sample.objectChanges, 1);
      assert.equal(result?.plan, h.planner.current);
      assert.deepEqual(h.backend.attemptTimes, [0, 10]);
    });

    it('rejects when the controller is not running', async () => {
      const h = harness();
      await assert.rejects(h.controller.syncNow(), /not running/);
    });
  });

  describe('start and stop', () => {
    it('stop waits for the sync in flight, then nothing runs any more', async () => {
      const h = harness();
      h.controller.start(h.store);
      const held = h.backend.holdNext();
      h.store.synced();
      await h.clock.runDue();
      let stopped = false;
      const stopping = h.controller.stop().then(() => {
        stopped = true;
      });
      await h.clock.advance(1000);
      assert.equal(stopped, false, 'stop must wait for the sync in flight');
      held.resolve();
      await stopping;
      assert.equal(stopped, true);
      assert.equal(h.controller.running, false);
      assert.equal(h.clock.pendingTimers, 0, 'no reconcile or resync timer is left');
      upsertNamespaces(h.store, 5);
      await h.clock.advance(600_000);
      assert.equal(h.backend.syncs.length, 1);
      assert.equal(h.planner.calls.length, 1);
    });

    it('resolves a pending syncNow with undefined on stop', async () => {
      const h = harness();
      h.controller.start(h.store);
      const outcome = h.controller.syncNow();
      await h.controller.stop();
      assert.equal(await outcome, undefined);
    });

    it('plans in full again after a restart', async () => {
      const h = harness();
      await startedAndSynced(h);
      await h.controller.stop();
      h.store.upsert(rawNamespace('while-stopped'));
      h.controller.start(h.store);
      // The minimum interval holds across a restart too.
      await h.clock.advance(1000);
      assert.deepEqual(h.planner.calls.map((call) => [call.method, call.at]), [['full', 0], ['full', 1000]]);
      assert.deepEqual(h.backend.syncs.map((sync) => sync.resync), [true, true]);
    });

    it('refuses to start twice, and a one-shot sync while running', async () => {
      const h = harness();
      h.controller.start(h.store);
      assert.throws(() => h.controller.start(h.store), /already running/);
      await assert.rejects(h.controller.syncOnce(h.store.snapshot()), /running/);
      await h.controller.stop();
    });
  });

  describe('syncOnce', () => {
    it('plans in full from the given snapshot, syncs once and records it', async () => {
      const h = harness();
      h.store.upsert(rawNamespace('a'));
      const result = await h.controller.syncOnce(h.store.snapshot());
      assert.equal(result.concern, 'route');
      assert.equal(result.plan.full, true);
      assert.equal(result.report.backend, 'fake');
      assert.deepEqual(h.metrics.of('route').syncsTotal, { ok: 1, error: 0 });
      h.backend.failNext();
      await assert.rejects(h.controller.syncOnce(h.store.snapshot()), /injected failure/);
      assert.deepEqual(h.metrics.of('route').syncsTotal, { ok: 1, error: 1 });
    });
  });
});
