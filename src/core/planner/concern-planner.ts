import type { ObjectChange } from '../store/change.js';
import type { ClusterSnapshot } from '../store/snapshot.js';

/**
 * The planner of one concern for one node, kept between reconciles so that it replans only
 * what changed.
 *
 * It remembers the snapshot of its last call. {@link ConcernPlanner.update} gets the objects
 * that changed since then (the store's change sets, accumulated and in any order; an object
 * may appear more than once), reads their old versions from that snapshot and their new ones
 * from `snapshot`, maps them through the concern's fragment index to the fragment keys they
 * dirty, and replans only those. Fragments that come out equal keep their previous object, so
 * `FragmentMap.diff` against the previous plan yields exactly the fragments that changed.
 * {@link ConcernPlanner.full} is the same path with every key dirty; both give the same plan.
 */
export interface ConcernPlanner<Plan> {
  /** The last plan computed, if any. */
  readonly current: Plan | undefined;
  /** Plans every fragment from `snapshot`, reusing equal fragments of the previous plan. */
  full(snapshot: ClusterSnapshot): Plan;
  /**
   * Replans the fragments that `changes` dirty, reading `snapshot`. Without a previous plan it
   * plans in full.
   */
  update(snapshot: ClusterSnapshot, changes: Iterable<ObjectChange>): Plan;
}
