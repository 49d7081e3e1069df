import type { RoutePlan } from '../../plan/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import type { RoutePlanOptions } from './route-plan-options.js';
import { RoutePlanner } from './route-planner.js';

/**
 * Plans what the routing controller programs on node `nodeName`, in one call: the same plan as
 * `new RoutePlanner(nodeName, options).full(snapshot)` (see {@link RoutePlanner} for the
 * rules). Pure and deterministic. A controller that replans on every change keeps a
 * {@link RoutePlanner} instead, which replans only what the change touches.
 *
 * @throws ConfigError for an option that does not parse or is out of range
 */
export function planRoutes(snapshot: ClusterSnapshot, nodeName: string, options: RoutePlanOptions = {}): RoutePlan {
  return new RoutePlanner(nodeName, options).full(snapshot);
}
