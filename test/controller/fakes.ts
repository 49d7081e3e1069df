/**
 * Small fakes for controller tests: a planner that remembers every call and every object
 * change it saw, a backend that records, fails or holds syncs on command, and raw objects.
 * They are written here so these tests do not depend on the real planners or mock backends.
 */
import type { Backend, ProgrammedState, SyncOptions } from '../../src/core/backend/backend.js';
import { BackendError } from '../../src/core/errors.js';
import type { Concern, SyncReport } from '../../src/core/plan/sync-report.js';
import type { ConcernPlanner } from '../../src/core/planner/concern-planner.js';
import type { ObjectChange } from '../../src/core/store/change.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import type { Clock } from '../../src/core/controller/clock.js';

/** The plan of the fake planner: which generation it read and every object key it has seen. */
export interface FakePlan {
  readonly generation: number;
  /** `kind/key` of every object change planned so far, in order, duplicates kept. */
  readonly seen: readonly string[];
  /** The object changes of the call that made this plan (empty for a full plan). */
  readonly changes: readonly ObjectChange[];
  readonly full: boolean;
}

/** One call of the fake planner. */
export interface PlannerCall {
  readonly method: 'full' | 'update';
  readonly generation: number;
  readonly changes: readonly ObjectChange[];
  readonly at: number;
}

/** A planner that records its calls; `failNext` makes the next call throw. */
export class FakePlanner implements ConcernPlanner<FakePlan> {
  readonly calls: PlannerCall[] = [];
  current: FakePlan | undefined;
  #failures = 0;

  constructor(private readonly clock: Clock) {}

  /** Makes the next `count` calls throw. */
  failNext(count = 1): void {
    this.#failures = count;
  }

  full(snapshot: ClusterSnapshot): FakePlan {
    return this.#plan('full', snapshot, []);
  }

  update(snapshot: ClusterSnapshot, changes: Iterable<ObjectChange>): FakePlan {
    return this.#plan('update', snapshot, [...changes]);
  }

  #plan(method: 'full' | 'update', snapshot: ClusterSnapshot, changes: ObjectChange[]): FakePlan {
    this.calls.push({ method, generation: snapshot.generation, changes, at: this.clock.now() });
    if (this.#failures > 0) {
      this.#failures--;
      throw new Error('planner failure (injected)');
    }
    const seen = [...(this.current?.seen ?? []), ...changes.map((change) => `${change.kind}/${change.key}`)];
    this.current = Object.freeze({ generation: snapshot.generation, seen, changes, full: method === 'full' });
    return this.current;
  }
}

/** One call of the fake backend's `sync`. */
export interface BackendSync {
  readonly plan: FakePlan;
  readonly resync: boolean;
  readonly at: number;
  readonly outcome: 'ok' | 'error' | 'held';
}

/** A promise the test settles by hand. */
export interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

export function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/**
 * A backend that records every sync; it can fail the next syncs, fail forever, or hold the
 * next sync until the test resolves it. A successful sync reports one changed fragment per
 * object change in the plan (all seen objects for a full plan) and `removedPerSync` removed.
 */
export class FakeBackend<C extends Concern = 'route'> implements Backend<FakePlan> {
  readonly name = 'fake';
  readonly syncs: BackendSync[] = [];
  cleanups = 0;
  removedPerSync = 0;
  programmed: FakePlan | undefined;
  #failNext = 0;
  #failForever = false;
  #hold: Deferred | undefined;

  constructor(
    readonly concern: C,
    private readonly clock: Clock,
  ) {}

  failNext(count = 1): void {
    this.#failNext = count;
  }

  failForever(on = true): void {
    this.#failForever = on;
  }

  /** Holds the next sync until the returned deferred settles; a rejection fails the sync. */
  holdNext(): Deferred {
    this.#hold = deferred();
    return this.#hold;
  }

  get attemptTimes(): number[] {
    return this.syncs.map((sync) => sync.at);
  }

  get okSyncs(): BackendSync[] {
    return this.syncs.filter((sync) => sync.outcome !== 'error');
  }

  async sync(plan: FakePlan, options?: SyncOptions): Promise<SyncReport> {
    const resync = options?.resync ?? false;
    const at = this.clock.now();
    if (this.#failForever || this.#failNext > 0) {
      if (this.#failNext > 0) this.#failNext--;
      this.syncs.push({ plan, resync, at, outcome: 'error' });
      throw new BackendError('fake', ['sync'], 1, 'injected failure');
    }
    const hold = this.#hold;
    if (hold) {
      this.#hold = undefined;
      this.syncs.push({ plan, resync, at, outcome: 'held' });
      await hold.promise;
    } else {
      this.syncs.push({ plan, resync, at, outcome: 'ok' });
    }
    this.programmed = plan;
    return {
      concern: this.concern,
      backend: this.name,
      full: plan.full,
      changed: plan.full ? plan.seen.length : plan.changes.length,
      removed: this.removedPerSync,
      unchanged: 0,
      durationSeconds: 0,
    };
  }

  async cleanup(): Promise<void> {
    this.cleanups++;
    this.programmed = undefined;
  }

  async describe(): Promise<ProgrammedState<FakePlan>> {
    return { backend: this.name, concern: this.concern, plan: this.programmed, summary: [] };
  }
}

/** A raw Namespace: the simplest object the store accepts. */
export function rawNamespace(name: string, labels: Record<string, string> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}
