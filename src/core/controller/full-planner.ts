import type { ConcernPlanner } from '../planner/concern-planner.js';
import type { ClusterSnapshot } from '../store/snapshot.js';

/** A pure planner for one concern on one node, bound to its options: `(snapshot) => plan`. */
export type BoundPlanner<Plan> = (snapshot: ClusterSnapshot) => Plan;

/** A {@link ConcernPlanner} made by {@link fullPlanner}. */
export interface FullPlanner<Plan> extends ConcernPlanner<Plan> {
  /** The name given to {@link fullPlanner}, for logs. */
  readonly name: string;
}

/**
 * Wraps a pure full planner (for embedders with a custom concern, or until a concern has an
 * incremental planner) as a {@link ConcernPlanner}: `update` ignores the changes and plans
 * in full from the snapshot, which is always correct for a level-based controller.
 *
 * What it cannot do is keep unchanged fragments as the same objects when the snapshot
 * changed, so a backend that diffs fragment maps by identity (`FragmentMap.diff`) then sees
 * every fragment as changed. Fine for small plans; an incremental planner is the answer for
 * large ones. Given the very snapshot it planned last (snapshots are immutable), it returns
 * the same plan object, so a retry, a resync or a second one-shot sync of one snapshot
 * changes nothing.
 *
 * @param name a name for logs, e.g. `routes`
 * @param planFn the pure planner, bound to its node and options
 */
export function fullPlanner<Plan>(name: string, planFn: BoundPlanner<Plan>): FullPlanner<Plan> {
  let current: Plan | undefined;
  let plannedFrom: ClusterSnapshot | undefined;
  const full = (snapshot: ClusterSnapshot): Plan => {
    // A pure planner gives an equal plan for the same snapshot; the same object says so.
    if (current !== undefined && snapshot === plannedFrom) return current;
    current = planFn(snapshot);
    plannedFrom = snapshot;
    return current;
  };
  return {
    name,
    get current() {
      return current;
    },
    full,
    update: (snapshot) => full(snapshot),
  };
}
