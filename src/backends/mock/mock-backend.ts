import { isDeepStrictEqual } from 'node:util';
import { performance } from 'node:perf_hooks';
import type { Backend, ProgrammedState, SyncOptions } from '../../core/backend/backend.js';
import { BackendError } from '../../core/errors.js';
import type { Concern, SyncReport } from '../../core/plan/sync-report.js';
import { deepFreeze } from '../../core/util/deep-freeze.js';
import { diffPlanParts, fragmentCount, type PlanParts } from './plan-fragments.js';

/** What a concern's mock needs to know about its plan type. */
export interface MockPlanShape<Plan> {
  /**
   * Splits a plan into its fragment maps, single fragments and plan-wide part: the units a
   * sync counts as changed, removed or unchanged. When the plan-wide part (node name, proxy
   * settings) differs from the programmed one, the sync is full: every fragment is rewritten.
   */
  parts(plan: Plan): PlanParts;
  /** Short human-readable lines for `describe().summary`. */
  summarise(plan: Plan): string[];
}

interface ProgrammedPlan<Plan> {
  readonly plan: Plan;
  readonly parts: PlanParts;
}

/**
 * An in-memory backend that honours the whole `Backend` contract without touching the
 * kernel: what embedders unit-test their agents and controllers against.
 *
 * - `sync(plan)` keeps the plan as the programmed state and reports counts from comparing its
 *   fragments with the previously programmed plan's: fragment maps through `FragmentMap.diff`,
 *   so a sync costs time proportional to what changed, as a kernel backend's must. Syncing the
 *   same plan twice changes nothing. Plans are immutable data: `sync` deep-freezes the parts
 *   of the plan that changed (planners' fragments are frozen already), so that neither the
 *   caller nor a reader can alter what the mock says it programmed.
 * - `sync(plan, { resync: true })` counts as a full sync (a kernel backend reads the kernel
 *   back then), with the same programmed result.
 * - `cleanup()` forgets the programmed state; the next sync is full again.
 * - `describe()` returns the programmed plan and summary lines.
 * - `failNextSync()` makes the next sync reject, leaving the programmed state as it was, to
 *   test an embedder's retry and backoff.
 *
 * The mock accepts plans for any node: a backend belongs to one node, but checking that is
 * the agent's job. A plan for another node than the programmed one makes a full sync.
 * The simulator answers reachability and trace questions from `lastPlan`.
 *
 * @typeParam Plan the plan type of the concern
 * @typeParam C the concern
 */
export class MockBackend<Plan, C extends Concern> implements Backend<Plan> {
  /** Always `mock`. */
  readonly name = 'mock';
  readonly #shape: MockPlanShape<Plan>;
  #programmed: ProgrammedPlan<Plan> | undefined;
  #pendingFailure: Error | undefined;
  #lastPlan: Plan | undefined;
  readonly #syncs: SyncReport[] = [];
  #cleanups = 0;

  /**
   * @param concern the concern this mock serves
   * @param shape how to split and summarise the concern's plans
   */
  constructor(
    readonly concern: C,
    shape: MockPlanShape<Plan>,
  ) {
    this.#shape = shape;
  }

  /** Reports of the successful syncs, oldest first; failed syncs leave no report. Kept across cleanup. */
  get syncs(): readonly SyncReport[] {
    return [...this.#syncs];
  }

  /**
   * The (frozen) plan of the last successful sync, or undefined before the first one. Unlike
   * `describe().plan` it survives `cleanup()`: it is history, not programmed state.
   */
  get lastPlan(): Plan | undefined {
    return this.#lastPlan;
  }

  /** How many times `cleanup()` ran. */
  get cleanups(): number {
    return this.#cleanups;
  }

  /**
   * Makes the next `sync` reject with `error` (by default a `BackendError` whose command is
   * `mock`) without changing the programmed state. Only the next sync fails.
   */
  failNextSync(error?: Error): void {
    this.#pendingFailure = error ?? new BackendError('mock', ['sync'], 1, 'injected failure (failNextSync)');
  }

  /** Programs `plan`: keeps it (frozen) and reports what changed since the last sync. */
  async sync(plan: Plan, options: SyncOptions = {}): Promise<SyncReport> {
    const started = performance.now();
    const failure = this.#pendingFailure;
    if (failure) {
      this.#pendingFailure = undefined;
      throw failure;
    }
    const parts = this.#shape.parts(plan);
    const previous = this.#programmed;
    const full = options.resync === true || previous === undefined || !isDeepStrictEqual(previous.parts.planWide, parts.planWide);
    const diff = diffPlanParts(previous?.parts, parts);
    freezeNew(parts, diff.replacedKeys);
    Object.freeze(plan);
    const report: SyncReport = Object.freeze({
      concern: this.concern,
      backend: this.name,
      full,
      // A full sync rewrites every fragment; fragments that disappear are removed either way.
      changed: full ? fragmentCount(parts) : diff.changed,
      removed: diff.removed,
      unchanged: full ? 0 : diff.unchanged,
      durationSeconds: (performance.now() - started) / 1000,
    });
    this.#programmed = { plan, parts };
    this.#lastPlan = plan;
    this.#syncs.push(report);
    return report;
  }

  /** Forgets the programmed state. Safe to call when nothing is programmed. */
  async cleanup(): Promise<void> {
    this.#programmed = undefined;
    this.#cleanups++;
  }

  /** The programmed plan and its summary; no plan and no lines when nothing is programmed. */
  async describe(): Promise<ProgrammedState<Plan>> {
    const plan = this.#programmed?.plan;
    return {
      backend: this.name,
      concern: this.concern,
      plan,
      summary: plan === undefined ? [] : this.#shape.summarise(plan),
    };
  }
}

/**
 * Freezes what this sync brings that the programmed plan did not hold as the same object: new
 * fragment objects, the single fragments and the plan-wide part. `deepFreeze` skips what is
 * frozen already, so a planner's plan (frozen fragments, shared structure) costs almost
 * nothing here, and a plan built by hand is frozen once.
 */
function freezeNew(next: PlanParts, replacedKeys: Readonly<Record<string, readonly string[]>>): void {
  for (const [name, map] of Object.entries(next.maps)) {
    for (const key of replacedKeys[name] ?? []) deepFreeze(map.get(key));
  }
  deepFreeze(next.singles);
  deepFreeze(next.planWide);
}
