import type { Backend } from '../backend/backend.js';
import type { Concern, SyncReport } from '../plan/sync-report.js';
import type { ClusterSnapshot } from '../store/snapshot.js';

/** A pure planner for one concern on one node, bound to its options. */
export type BoundPlanner<Plan> = (snapshot: ClusterSnapshot) => Plan;

/** The plan a reconcile computed and what the backend reported for it. */
export interface ReconcileResult<Plan> {
  readonly concern: Concern;
  readonly plan: Plan;
  readonly report: SyncReport;
}

/**
 * Plans one concern from a snapshot and hands the plan to its backend. It is level-based:
 * every reconcile reads the whole current snapshot, never a stream of events, so a missed or
 * coalesced event cannot leave the kernel behind. (Debounce, periodic resync and backoff wrap
 * this in the agent runtime.)
 */
export class ConcernController<Plan> {
  /**
   * @param concern which concern this controller serves
   * @param planner computes the plan for this node
   * @param backend programs it
   */
  constructor(
    readonly concern: Concern,
    private readonly planner: BoundPlanner<Plan>,
    readonly backend: Backend<Plan>,
  ) {}

  /** Plans from `snapshot` and syncs the backend; rejects with the backend's error. */
  async reconcile(snapshot: ClusterSnapshot): Promise<ReconcileResult<Plan>> {
    const plan = this.planner(snapshot);
    const report = await this.backend.sync(plan);
    return { concern: this.concern, plan, report };
  }
}
