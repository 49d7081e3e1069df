import type { Protocol } from '../model/index.js';
import type { FirewallPlan } from '../plan/index.js';
import { canReachIndexed } from './can-reach.js';
import { FirewallPlanIndex } from './firewall-plan-index.js';

/** Every ordered pair of pods on one port and protocol. */
export interface ReachabilityMatrix {
  readonly port: number;
  readonly protocol: Protocol;
  /** The pods, rows and columns alike, in the order given. */
  readonly pods: readonly string[];
  /** `matrix[from][to]`: whether `from` may connect to `to` (see `canReach`); a pod to itself included. */
  readonly matrix: Readonly<Record<string, Readonly<Record<string, boolean>>>>;
}

/**
 * Asks `canReach` for every ordered pair of `pods` (each pod to itself included) on
 * `port`/`protocol`. Objects are filled in the order of `pods`, so JSON prints in that order.
 *
 * @throws SimulationQueryError when a pod is in no plan, or the port or protocol is invalid
 */
export function reachabilityMatrix(
  plans: readonly FirewallPlan[],
  pods: readonly string[],
  port: number,
  protocol: Protocol,
): ReachabilityMatrix {
  const index = new FirewallPlanIndex(plans);
  const matrix: Record<string, Record<string, boolean>> = {};
  for (const from of pods) {
    const row: Record<string, boolean> = {};
    for (const to of pods) row[to] = canReachIndexed(index, { from, to, port, protocol }).allowed;
    matrix[from] = row;
  }
  return { port, protocol, pods: [...pods], matrix };
}
