import type { Concern, SyncReport } from '../plan/sync-report.js';
import type { ChangeListener } from '../store/change.js';
import type { ClusterSnapshot } from '../store/snapshot.js';
import type { BackoffOptions } from './backoff.js';
import type { Clock } from './clock.js';
import type { SyncMetricsSink, SyncSample } from './sync-metrics.js';

/** The part of a `ClusterStore` a controller reads: change events, snapshots and readiness. */
export interface ControllerStore {
  /** Calls `listener` after every applied batch; returns the unsubscribe function. */
  onChange(listener: ChangeListener): () => void;
  /** The current immutable snapshot. */
  snapshot(): ClusterSnapshot;
  /** True once the initial list is complete. */
  isSynced(): boolean;
  /** Resolves when the initial list is complete. */
  whenSynced(): Promise<void>;
}

/**
 * How often a controller reconciles and retries, named after kube-router's and kube-proxy's
 * flags where they mean the same.
 */
export interface ControllerTimings {
  /**
   * The shortest time between the starts of two reconciles, in milliseconds (kube-proxy's
   * `--min-sync-period`): events within it coalesce into the next reconcile. Default 1000.
   */
  readonly minSyncIntervalMs?: number | undefined;
  /**
   * The time from one full resync to the next, in milliseconds (kube-router's
   * `--routes-sync-period`, `--iptables-sync-period`, `--ipvs-sync-period`). 0 turns
   * periodic resyncs off. Default 300000 (5 minutes).
   */
  readonly resyncIntervalMs?: number | undefined;
  /** The retry delays after a failed sync. Default 1 s doubling up to 60 s. */
  readonly backoff?: BackoffOptions | undefined;
}

/** The defaults of {@link ControllerTimings}. */
export const DEFAULT_CONTROLLER_TIMINGS = Object.freeze({
  minSyncIntervalMs: 1000,
  resyncIntervalMs: 300_000,
});

/** Options of a `ConcernController`. */
export interface ConcernControllerOptions extends ControllerTimings {
  /** Where time and timers come from: the system clock by default; a `ManualClock` in tests. */
  readonly clock?: Clock | undefined;
  /** Where every sync is recorded; none by default. */
  readonly metrics?: SyncMetricsSink | undefined;
  /**
   * Called after every reconcile of the running loop, ok or not: the place for a log line.
   * It must not throw; what it throws is dropped so that an observer never stops the loop.
   */
  readonly onReconcile?: ((outcome: ReconcileOutcome<unknown>) => void) | undefined;
}

/** The plan a one-shot sync computed and what the backend reported for it. */
export interface ReconcileResult<Plan> {
  readonly concern: Concern;
  readonly plan: Plan;
  readonly report: SyncReport;
}

/** How one reconcile of a running controller went. */
export interface ReconcileOutcome<Plan> {
  /** What was recorded for it (outcome, mode, counts, latency). */
  readonly sample: SyncSample;
  /** The plan handed to the backend; undefined when the planner threw. */
  readonly plan?: Plan | undefined;
  /** The backend's report, when the sync succeeded. */
  readonly report?: SyncReport | undefined;
  /** What the planner threw or the backend rejected with, when it failed. */
  readonly error?: unknown;
}

/** What a controller is doing, for status output and tests. */
export interface ControllerStatus {
  readonly concern: Concern;
  /** Between `start` and `stop`. */
  readonly running: boolean;
  /** The store has reported its initial list complete. */
  readonly synced: boolean;
  /** A reconcile is in flight. */
  readonly reconciling: boolean;
  /** Objects marked dirty and not yet planned. */
  readonly pendingChanges: number;
  /** Failed reconciles in a row (0 after a success). */
  readonly consecutiveFailures: number;
  /** When the next reconcile is due (clock milliseconds), if one is scheduled. */
  readonly nextReconcileAtMs?: number | undefined;
  /** When the next periodic full resync falls due (clock milliseconds), if one is scheduled. */
  readonly nextResyncAtMs?: number | undefined;
  /** The error of the last reconcile, if it failed. */
  readonly lastError?: unknown;
}
