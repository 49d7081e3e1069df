import type { Backend } from '../backend/backend.js';
import { ConfigError } from '../errors.js';
import { samePlan } from '../plan/plan-equality.js';
import type { Concern, SyncReport } from '../plan/sync-report.js';
import type { ConcernPlanner } from '../planner/concern-planner.js';
import type { ChangeSet } from '../store/change.js';
import type { ClusterSnapshot } from '../store/snapshot.js';
import { ExponentialBackoff } from './backoff.js';
import { systemClock, type Clock } from './clock.js';
import {
  DEFAULT_CONTROLLER_TIMINGS,
  type ConcernControllerOptions,
  type ControllerStatus,
  type ControllerStore,
  type ReconcileOutcome,
  type ReconcileResult,
} from './controller-types.js';
import { DirtyChanges } from './dirty-changes.js';
import { OneShotTimer } from './one-shot-timer.js';
import { reconcileSample, type ReconcileStart } from './reconcile-sample.js';
import type { SyncMetricsSink, SyncSample } from './sync-metrics.js';

/** A plan computed but not yet taken by the backend: what a failed sync leaves to retry. */
interface UnsyncedPlan {
  /** When the oldest change it covers was marked dirty. */
  readonly since: number | undefined;
  /** Whether it came from (or follows) a full replan. */
  readonly full: boolean;
}

function nonNegativeMs(name: string, value: number): number {
  if (!(value >= 0) || Number.isNaN(value)) throw new ConfigError(`${name} must be 0 or more milliseconds, not ${value}`);
  return value;
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

/**
 * The control loop of one concern on one node, built as client-go builds controllers:
 *
 * - **Events only mark work.** The store's change sets are coalesced per object into a dirty
 *   set; nothing is planned inside the listener.
 * - **One reconcile at a time**, at least `minSyncIntervalMs` after the start of the previous
 *   one, so a burst of events costs one reconcile. It reads the store's snapshot at that
 *   moment, asks the planner to replan what the dirty objects touch (`update`), and hands the
 *   plan to the backend.
 * - **Nothing before the store is synced**: a half-filled cache would unprogram what works.
 *   The first reconcile after `start` plans in full and asks the backend to resync.
 * - **A failed reconcile keeps its work.** If the planner threw, the changes go back to the
 *   dirty set and the retry plans in full (the planner's memory may be half-updated). If the
 *   backend rejected, the planner has advanced already; the backend kept its previous state
 *   and diffs against it, so the retry syncs the planner's latest plan, replanned first with
 *   whatever arrived meanwhile. Retries wait a capped exponential backoff; events during the
 *   wait do not cut it short, they join the retry.
 * - **A periodic full resync** every `resyncIntervalMs`: `planner.full` and
 *   `sync(plan, { resync: true })`, which repairs drift the diff cannot see.
 * - **Every sync is recorded** in the metrics sink: duration, fragments changed and removed,
 *   event-to-sync latency, outcome, mode.
 *
 * Each controller owns its loop, timers and backoff, so one concern's failures never hold
 * up another's. Collaborators are plain constructor arguments (no container).
 *
 * @typeParam Plan the plan type of the concern
 */
export class ConcernController<Plan> {
  readonly #clock: Clock;
  readonly #minIntervalMs: number;
  readonly #resyncIntervalMs: number;
  readonly #backoff: ExponentialBackoff;
  readonly #metrics: SyncMetricsSink | undefined;
  readonly #onReconcile: ((outcome: ReconcileOutcome<Plan>) => void) | undefined;
  readonly #dirty = new DirtyChanges();
  readonly #reconcileTimer: OneShotTimer;
  readonly #resyncTimer: OneShotTimer;

  #store: ControllerStore | undefined;
  #unsubscribe: (() => void) | undefined;
  /** Bumped by every start and stop, so a late `whenSynced` of an earlier run does nothing. */
  #run = 0;
  #running = false;
  #synced = false;
  #inFlight: Promise<void> | undefined;
  #lastStartedAt: number | undefined;
  #replanInFull = true;
  #resyncDue = true;
  #unsynced: UnsyncedPlan | undefined;
  /** When the retry after a failure may start; undefined while nothing is failing. */
  #retryAt: number | undefined;
  #syncNowRequested = false;
  #waiters: ((outcome: ReconcileOutcome<Plan> | undefined) => void)[] = [];
  #lastError: unknown;
  /** The plan the backend took last, and its report: a replan equal to it needs no sync. */
  #lastSynced: { readonly plan: Plan; readonly report: SyncReport } | undefined;

  /**
   * @param concern which concern this controller serves
   * @param planner plans this node's concern, incrementally where it can
   * @param backend programs the plans
   * @param options timings, clock, metrics and an observer (see {@link ConcernControllerOptions})
   */
  constructor(
    readonly concern: Concern,
    readonly planner: ConcernPlanner<Plan>,
    readonly backend: Backend<Plan>,
    options: ConcernControllerOptions = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#minIntervalMs = nonNegativeMs(
      'minSyncIntervalMs',
      options.minSyncIntervalMs ?? DEFAULT_CONTROLLER_TIMINGS.minSyncIntervalMs,
    );
    this.#resyncIntervalMs = nonNegativeMs(
      'resyncIntervalMs',
      options.resyncIntervalMs ?? DEFAULT_CONTROLLER_TIMINGS.resyncIntervalMs,
    );
    this.#backoff = new ExponentialBackoff(options.backoff);
    this.#metrics = options.metrics;
    this.#onReconcile = options.onReconcile;
    this.#reconcileTimer = new OneShotTimer(this.#clock, () => this.#startReconcile());
    this.#resyncTimer = new OneShotTimer(this.#clock, () => {
      this.#resyncDue = true;
      this.#replanInFull = true;
      this.#schedule();
    });
  }

  /** True between {@link ConcernController.start} and {@link ConcernController.stop}. */
  get running(): boolean {
    return this.#running;
  }

  /** What the loop is doing now. */
  get status(): ControllerStatus {
    return {
      concern: this.concern,
      running: this.#running,
      synced: this.#synced,
      reconciling: this.#inFlight !== undefined,
      pendingChanges: this.#dirty.size,
      consecutiveFailures: this.#backoff.failures,
      nextReconcileAtMs: this.#reconcileTimer.dueAt,
      nextResyncAtMs: this.#resyncTimer.dueAt,
      lastError: this.#lastError,
    };
  }

  /**
   * Starts the loop over `store`: subscribes to its changes at once (so nothing between now
   * and the first reconcile is missed) and reconciles in full once the store is synced.
   * A stopped controller may be started again; its first reconcile is full again.
   */
  start(store: ControllerStore): void {
    if (this.#running) throw new Error(`the ${this.concern} controller is already running`);
    const run = ++this.#run;
    this.#running = true;
    this.#store = store;
    this.#synced = false;
    // A full replan covers whatever was dirty before a stop.
    this.#dirty.clear();
    this.#replanInFull = true;
    this.#resyncDue = true;
    this.#retryAt = undefined;
    this.#lastSynced = undefined;
    this.#backoff.reset();
    this.#unsubscribe = store.onChange((changeSet) => this.#markDirty(changeSet));
    const becomeSynced = (): void => {
      if (run !== this.#run) return;
      this.#synced = true;
      this.#schedule();
    };
    if (store.isSynced()) becomeSynced();
    else void store.whenSynced().then(becomeSynced);
  }

  /**
   * Stops the loop: unsubscribes, cancels its timers and waits for a reconcile in flight to
   * finish (a sync is never cut in half). Pending {@link ConcernController.syncNow} calls
   * resolve with undefined.
   */
  async stop(): Promise<void> {
    if (this.#running) {
      this.#running = false;
      this.#run++;
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
      this.#reconcileTimer.cancel();
      this.#resyncTimer.cancel();
    }
    await this.whenIdle();
    for (const resolve of this.#waiters.splice(0)) resolve(undefined);
  }

  /**
   * Resolves once no reconcile is in flight. A reconcile waiting for its timer does not
   * count: with a `ManualClock`, advance the clock to run it.
   */
  async whenIdle(): Promise<void> {
    while (this.#inFlight !== undefined) await this.#inFlight;
  }

  /**
   * Asks for a reconcile now, past the minimum interval and any backoff (still not before
   * the store is synced), and resolves with how it went: the first reconcile that starts
   * after this call. Resolves with undefined if the controller stops first.
   */
  syncNow(): Promise<ReconcileOutcome<Plan> | undefined> {
    if (!this.#running) return Promise.reject(new Error(`the ${this.concern} controller is not running`));
    const outcome = new Promise<ReconcileOutcome<Plan> | undefined>((resolve) => this.#waiters.push(resolve));
    this.#syncNowRequested = true;
    this.#schedule();
    return outcome;
  }

  /**
   * The one-shot path (the CLI's `agent`): plans `snapshot` in full and syncs it once, outside
   * any loop. Rejects with the planner's or the backend's error; the sync is recorded in the
   * metrics either way. Not allowed while the loop runs, which owns the backend then.
   */
  async syncOnce(snapshot: ClusterSnapshot): Promise<ReconcileResult<Plan>> {
    if (this.#running) throw new Error(`the ${this.concern} controller is running: stop it before a one-shot sync`);
    const start: ReconcileStart = {
      startedAt: this.#clock.now(),
      replanInFull: true,
      resync: false,
      changes: [],
      firstMarkedAt: undefined,
    };
    let report: SyncReport | undefined;
    try {
      const plan = this.planner.full(snapshot);
      report = await this.backend.sync(plan);
      return { concern: this.concern, plan, report };
    } finally {
      this.#record(this.#sample(start, report, true));
    }
  }

  #markDirty(changeSet: ChangeSet): void {
    // A change set of problems only touches no object: nothing to plan.
    if (changeSet.changes.length === 0) return;
    this.#dirty.mark(changeSet.changes, this.#clock.now());
    this.#schedule();
  }

  #hasWork(): boolean {
    return (
      this.#dirty.size > 0 ||
      this.#replanInFull ||
      this.#resyncDue ||
      this.#unsynced !== undefined ||
      this.#syncNowRequested
    );
  }

  /** Sets the reconcile timer to the earliest time the next reconcile may start, if there is work. */
  #schedule(): void {
    // A reconcile in flight schedules the next one when it ends.
    if (!this.#running || !this.#synced || this.#inFlight !== undefined) return;
    if (!this.#hasWork()) {
      this.#reconcileTimer.cancel();
      return;
    }
    const now = this.#clock.now();
    let dueAt = now;
    if (!this.#syncNowRequested) {
      if (this.#lastStartedAt !== undefined) dueAt = Math.max(dueAt, this.#lastStartedAt + this.#minIntervalMs);
      if (this.#retryAt !== undefined) dueAt = Math.max(dueAt, this.#retryAt);
    }
    this.#reconcileTimer.scheduleAt(dueAt);
  }

  #startReconcile(): void {
    if (!this.#running || this.#inFlight !== undefined) return;
    const inFlight = this.#reconcile().finally(() => {
      this.#inFlight = undefined;
      this.#schedule();
    });
    this.#inFlight = inFlight;
  }

  async #reconcile(): Promise<void> {
    const store = this.#store;
    if (store === undefined) return;
    const waiters = this.#waiters.splice(0);
    this.#syncNowRequested = false;
    // Taking the dirty set and reading the snapshot happen in one synchronous step, so every
    // change taken is in the snapshot and every change left out arrives after it.
    const work = this.#dirty.take();
    const start: ReconcileStart = {
      startedAt: this.#clock.now(),
      replanInFull: this.#replanInFull || this.planner.current === undefined,
      resync: this.#resyncDue,
      changes: work.changes,
      firstMarkedAt: earliest(work.firstMarkedAt, this.#unsynced?.since),
    };
    this.#lastStartedAt = start.startedAt;
    const full = start.replanInFull || (this.#unsynced?.full ?? false);

    let plan: Plan | undefined;
    let report: SyncReport | undefined;
    let error: unknown;
    try {
      plan = this.#plan(store.snapshot(), start);
    } catch (planError) {
      error = planError;
      this.#dirty.restore(work);
      this.#replanInFull = true;
    }
    if (plan !== undefined) {
      this.#replanInFull = false;
      const unchanged = this.#unchangedReport(plan, start);
      this.#unsynced = { since: start.firstMarkedAt, full };
      try {
        report = unchanged ?? (await this.backend.sync(plan, { resync: start.resync }));
        this.#lastSynced = { plan, report };
      } catch (syncError) {
        error = syncError;
      }
    }

    const sample = this.#sample(start, report, full);
    if (report !== undefined) this.#succeeded(start);
    else this.#failed(error, sample.finishedAtMs);
    this.#record(sample);
    const outcome: ReconcileOutcome<Plan> = { sample, plan, report, ...(report === undefined ? { error } : {}) };
    try {
      this.#onReconcile?.(outcome);
    } catch {
      // An observer (a logger) must never stop the loop.
    }
    for (const resolve of waiters) resolve(outcome);
  }

  /**
   * The report of a sync that need not happen: the replan programs exactly what the backend
   * took last (the events touched nothing the planner reads), so the backend is not called.
   * Never for a resync, which reads the kernel back, nor while a failed sync awaits its retry.
   */
  #unchangedReport(plan: Plan, start: ReconcileStart): SyncReport | undefined {
    const last = this.#lastSynced;
    if (start.resync || this.#unsynced !== undefined || last === undefined) return undefined;
    if (!samePlan(last.plan as object, plan as object)) return undefined;
    const total = last.report.changed + last.report.unchanged;
    return { concern: this.concern, backend: this.backend.name, full: false, changed: 0, removed: 0, unchanged: total, durationSeconds: 0 };
  }

  #plan(snapshot: ClusterSnapshot, start: ReconcileStart): Plan {
    if (start.replanInFull) return this.planner.full(snapshot);
    if (start.changes.length > 0) return this.planner.update(snapshot, start.changes);
    // Nothing new since the last plan (a retry after a backend failure, a syncNow): the
    // latest plan is what the backend must take.
    return this.planner.current ?? this.planner.full(snapshot);
  }

  #succeeded(start: ReconcileStart): void {
    this.#unsynced = undefined;
    this.#retryAt = undefined;
    this.#lastError = undefined;
    this.#backoff.reset();
    if (start.resync) {
      this.#resyncDue = false;
      // The period runs from the end of the last resync, as a ticker reset by each sync would.
      if (this.#running && this.#resyncIntervalMs > 0) {
        this.#resyncTimer.scheduleAt(this.#clock.now() + this.#resyncIntervalMs);
      }
    }
  }

  #failed(error: unknown, finishedAt: number): void {
    this.#lastError = error;
    this.#retryAt = finishedAt + this.#backoff.next();
  }

  #sample(start: ReconcileStart, report: SyncReport | undefined, full: boolean): SyncSample {
    return reconcileSample(this.concern, this.backend.name, start, { full, report, finishedAtMs: this.#clock.now() });
  }

  #record(sample: SyncSample): void {
    try {
      this.#metrics?.record(sample);
    } catch {
      // Metrics must never stop the loop.
    }
  }
}
