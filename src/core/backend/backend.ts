import type { Concern, SyncReport } from '../plan/sync-report.js';

/**
 * What a backend says it has programmed: a name, a few human-readable lines, and the plan it
 * last applied (kernel backends read the kernel back where they can).
 */
export interface ProgrammedState<Plan> {
  readonly backend: string;
  readonly concern: Concern;
  /** The plan of the last successful sync; undefined before the first or after cleanup. */
  readonly plan?: Plan | undefined;
  /** Short lines for `inspect`-style output, e.g. `3 service ports, 7 endpoints`. */
  readonly summary: readonly string[];
}

/** Options of one {@link Backend.sync}. */
export interface SyncOptions {
  /**
   * A periodic full resync: besides the plan's changes, read the kernel's state back and
   * repair whatever drifted from what the backend programmed (a rule or route deleted by
   * hand). Without it, a backend trusts its memory of what it programmed and writes only the
   * fragments that changed since the last successful sync.
   */
  readonly resync?: boolean | undefined;
}

/**
 * The contract every backend of every concern honours:
 * - `sync(plan)` makes the kernel match the plan: idempotent, atomic where the kernel allows,
 *   and minimal: it compares the plan's fragment maps with those of the plan it last
 *   programmed (`fragmentChanges`, proportional to the change) and writes only what changed
 *   and removes only what is gone. A failed sync rejects with a `BackendError` and leaves the
 *   previous state in place; the next sync compares against that state again.
 * - `cleanup()` removes everything this backend owns and nothing else.
 * - `describe()` says what is programmed now.
 */
export interface Backend<Plan> {
  /** Backend name, e.g. `iptables`. */
  readonly name: string;
  readonly concern: Concern;
  /** Makes the kernel match `plan`, changing only what differs from the last sync. */
  sync(plan: Plan, options?: SyncOptions): Promise<SyncReport>;
  /** Removes everything this backend programmed, and nothing else. */
  cleanup(): Promise<void>;
  /** What is programmed now. */
  describe(): Promise<ProgrammedState<Plan>>;
}
