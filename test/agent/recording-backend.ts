/**
 * A backend for agent tests that records syncs and cleanups, fails or holds on command, and
 * reports one changed fragment per sync: enough to watch the agent's loops without depending
 * on the mock backends.
 */
import type { Backend, ProgrammedState, SyncOptions } from '../../src/core/backend/backend.js';
import type { Clock } from '../../src/core/controller/clock.js';
import { BackendError } from '../../src/core/errors.js';
import type { Concern, SyncReport } from '../../src/core/plan/sync-report.js';
import { deferred, type Deferred } from '../controller/fakes.js';

export interface RecordedSync<Plan> {
  readonly plan: Plan;
  readonly resync: boolean;
  readonly at: number;
  readonly ok: boolean;
}

export class RecordingBackend<Plan, C extends Concern> implements Backend<Plan> {
  readonly name = 'recording';
  readonly syncs: RecordedSync<Plan>[] = [];
  cleanups = 0;
  failCleanup = false;
  programmed: Plan | undefined;
  #failForever = false;
  #hold: Deferred | undefined;

  constructor(
    readonly concern: C,
    private readonly clock: Clock,
  ) {}

  failForever(on = true): void {
    this.#failForever = on;
  }

  holdNext(): Deferred {
    this.#hold = deferred();
    return this.#hold;
  }

  get okSyncs(): RecordedSync<Plan>[] {
    return this.syncs.filter((sync) => sync.ok);
  }

  async sync(plan: Plan, options?: SyncOptions): Promise<SyncReport> {
    const record = { plan, resync: options?.resync ?? false, at: this.clock.now() };
    if (this.#failForever) {
      this.syncs.push({ ...record, ok: false });
      throw new BackendError('recording', ['sync'], 1, 'injected failure');
    }
    this.syncs.push({ ...record, ok: true });
    const hold = this.#hold;
    this.#hold = undefined;
    if (hold) await hold.promise;
    this.programmed = plan;
    return { concern: this.concern, backend: this.name, full: false, changed: 1, removed: 0, unchanged: 0, durationSeconds: 0 };
  }

  async cleanup(): Promise<void> {
    this.cleanups++;
    this.programmed = undefined;
    if (this.failCleanup) throw new BackendError('recording', ['cleanup'], 1, 'injected cleanup failure');
  }

  async describe(): Promise<ProgrammedState<Plan>> {
    return { backend: this.name, concern: this.concern, plan: this.programmed, summary: [] };
  }
}
