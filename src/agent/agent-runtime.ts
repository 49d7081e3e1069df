import type { Clock } from '../core/controller/clock.js';
import type { ReconcileOutcome } from '../core/controller/controller-types.js';
import type { SyncMetricsSink } from '../core/controller/sync-metrics.js';

/**
 * What an agent's controllers run with besides their config: the clock, where syncs are
 * recorded, and an observer. Every field is optional.
 */
export interface AgentRuntime {
  /** The system clock by default; a `ManualClock` in tests. */
  readonly clock?: Clock | undefined;
  /** Where every controller records its syncs; a fresh `InMemorySyncMetrics` by default. */
  readonly metrics?: SyncMetricsSink | undefined;
  /** Called after every reconcile of a running controller (a log line); must not throw. */
  readonly onReconcile?: ((outcome: ReconcileOutcome<unknown>) => void) | undefined;
}

/** Injection token for the agent's {@link AgentRuntime} (tsyringe). */
export const AGENT_RUNTIME = Symbol.for('kube-router.AgentRuntime');
