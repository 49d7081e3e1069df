import type { Concern, SyncReport } from '../plan/sync-report.js';
import type { ObjectChange } from '../store/change.js';
import type { SyncSample } from './sync-metrics.js';

/** What one reconcile set out to do, fixed when it starts. */
export interface ReconcileStart {
  /** Clock milliseconds. */
  readonly startedAt: number;
  /** Plan every fragment (`planner.full`) rather than the dirty ones. */
  readonly replanInFull: boolean;
  /** Ask the backend to read the kernel back and repair drift. */
  readonly resync: boolean;
  /** The coalesced object changes taken from the dirty set. */
  readonly changes: readonly ObjectChange[];
  /** When the oldest change this reconcile covers was marked dirty (clock milliseconds). */
  readonly firstMarkedAt: number | undefined;
}

/** What a reconcile that began as `start` and ended at `finishedAtMs` reports to the metrics. */
export function reconcileSample(
  concern: Concern,
  backend: string,
  start: ReconcileStart,
  outcome: { readonly full: boolean; readonly report: SyncReport | undefined; readonly finishedAtMs: number },
): SyncSample {
  const { full, report, finishedAtMs } = outcome;
  // Only a sync that succeeded has covered its changes; a failed one leaves them counting.
  const latencyFrom = report === undefined ? undefined : start.firstMarkedAt;
  return {
    concern,
    backend,
    outcome: report === undefined ? 'error' : 'ok',
    mode: full ? 'full' : 'incremental',
    resync: start.resync,
    startedAtMs: start.startedAt,
    finishedAtMs,
    durationSeconds: Math.max(0, finishedAtMs - start.startedAt) / 1000,
    fragmentsChanged: report?.changed ?? 0,
    fragmentsRemoved: report?.removed ?? 0,
    objectChanges: start.changes.length,
    ...(report?.payload === undefined ? {} : { payload: report.payload }),
    ...(latencyFrom === undefined ? {} : { latencySeconds: Math.max(0, finishedAtMs - latencyFrom) / 1000 }),
  };
}
