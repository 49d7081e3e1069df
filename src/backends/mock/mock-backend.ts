import { performance } from 'node:perf_hooks';
import type { Backend, ProgrammedState } from '../../core/backend/backend.js';
import { BackendError } from '../../core/errors.js';
import type { Concern, SyncReport } from '../../core/plan/sync-report.js';
import { deepFrozenCopy } from './deep-freeze.js';
import { diffFragments, fingerprint, fingerprintFragments, type PlanFragment } from './plan-fragments.js';

/** What a concern's mock needs to know about its plan type. */
export interface MockPlanShape<Plan> {
  /**
   * Splits a plan into keyed fragments (one service port, one policy, one route...): the
   * units a sync counts as changed, removed or unchanged. Keys must be unique within a plan.
   */
  fragments(plan: Plan): Iterable<PlanFragment>;
  /**
   * The plan-wide part every fragment depends on (node name, proxy settings). When it
   * differs from the programmed one, the sync is full: every fragment is rewritten.
   */
  planWide(plan: Plan): unknown;
  /** Short human-readable lines for `describe().summary`. */
  summarise(plan: Plan): string[];
}

interface ProgrammedPlan<Plan> {
  readonly plan: Plan;
  readonly planWide: string;
  readonly fragments: ReadonlyMap<string, string>;
}

/**
 * An in-memory backend that honours the whole `Backend` contract without touching the
 * kernel: what embedders unit-test their agents and controllers against.
 *
 * - `sync(plan)` stores a deep-frozen copy of the plan as the programmed state and reports
 *   counts from diffing the plan's fragments against the previously programmed plan; syncing
 *   the same plan twice changes nothing.
 * - `cleanup()` forgets the programmed state; the next sync is full again.
 * - `describe()` returns the programmed plan and summary lines.
 * - `failNextSync()` makes the next sync reject, leaving the programmed state as it was, to
 *   test an embedder's retry and backoff.
 *
 * The mock accepts plans for any node: a backend belongs to one node, but checking that is
 * the agent's job. A plan for another node than the programmed one makes a full sync.
 *
 * The simulator (reachability and trace over programmed plans) is planned for a later
 * release; it will read what these mocks hold through `describe()` and `lastPlan`.
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
   * @param shape how to split, compare and summarise the concern's plans
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
   * The (deep-frozen) plan of the last successful sync, or undefined before the first one.
   * Unlike `describe().plan` it survives `cleanup()`: it is history, not programmed state.
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
    this.#pendingFailure =
      error ?? new BackendError('mock', ['sync'], 1, 'injected failure (failNextSync)');
  }

  /** Programs `plan`: keeps a frozen copy of it and reports what changed. */
  async sync(plan: Plan): Promise<SyncReport> {
    const started = performance.now();
    const failure = this.#pendingFailure;
    if (failure) {
      this.#pendingFailure = undefined;
      throw failure;
    }
    const frozen = deepFrozenCopy(plan);
    const next: ProgrammedPlan<Plan> = {
      plan: frozen,
      planWide: fingerprint(this.#shape.planWide(frozen)),
      fragments: fingerprintFragments(this.#shape.fragments(frozen)),
    };
    const previous = this.#programmed;
    const full = previous === undefined || previous.planWide !== next.planWide;
    const diff = diffFragments(previous?.fragments, next.fragments);
    const report: SyncReport = Object.freeze({
      concern: this.concern,
      backend: this.name,
      full,
      // A full sync rewrites every fragment; fragments that disappear are removed either way.
      changed: full ? next.fragments.size : diff.changed,
      removed: diff.removed,
      unchanged: full ? 0 : diff.unchanged,
      durationSeconds: (performance.now() - started) / 1000,
    });
    this.#programmed = next;
    this.#lastPlan = frozen;
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
