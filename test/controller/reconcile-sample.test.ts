import assert from 'node:assert/strict';
import { reconcileSample, type ReconcileStart } from '../../src/core/controller/reconcile-sample.js';
import type { SyncReport } from '../../src/core/plan/sync-report.js';

const START: ReconcileStart = { startedAt: 1000, replanInFull: false, resync: false, changes: [], firstMarkedAt: undefined };

function report(payload?: SyncReport['payload']): SyncReport {
  return { concern: 'proxy', backend: 'nftables', full: false, changed: 1, removed: 0, unchanged: 3, durationSeconds: 0.01, ...(payload ? { payload } : {}) };
}

describe('reconcile sample: the payload size of the sync', () => {
  it('carries the payload the backend reported', () => {
    const sample = reconcileSample('proxy', 'nftables', START, { full: false, report: report({ lines: 3, elements: 3 }), finishedAtMs: 1012 });
    assert.deepEqual(sample.payload, { lines: 3, elements: 3 });
    assert.equal(sample.fragmentsChanged, 1);
  });

  it('has no payload where the backend does not count it, nor when the sync failed', () => {
    assert.equal('payload' in reconcileSample('proxy', 'mock', START, { full: false, report: report(), finishedAtMs: 1012 }), false);
    assert.equal('payload' in reconcileSample('proxy', 'nftables', START, { full: false, report: undefined, finishedAtMs: 1012 }), false);
  });
});
