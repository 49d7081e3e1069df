/**
 * A route plan sent to another process as what changed since the plan sent before, and
 * rebuilt there on the previous one: so the receiving backend's `FragmentMap.diff` still sees
 * only the change (the rebuilt maps share structure with the previous ones), and a 5,000-node
 * plan crosses the pipe once, not on every sync.
 *
 * @module
 */
import { emptyFragmentMap, type FragmentMap } from '../../../core/plan/fragment-map.js';
import type { PodSubnetRoute, RoutePlan, TunnelPlan } from '../../../core/plan/route-plan.js';
import { SortedTable } from '../../../core/store/sorted-table.js';

/** The changes of one fragment map: values to set (under their keys) and keys to delete. */
export interface FragmentMapDelta<V> {
  readonly set: readonly V[];
  readonly remove: readonly string[];
}

/** A plan as a change of the previous one; `reset` when there is no previous one to build on. */
export interface RoutePlanDelta {
  readonly reset: boolean;
  readonly node: string;
  readonly settings: RoutePlan['settings'];
  readonly masquerade?: RoutePlan['masquerade'];
  readonly bgp?: RoutePlan['bgp'];
  readonly routes: FragmentMapDelta<PodSubnetRoute>;
  readonly tunnels: FragmentMapDelta<TunnelPlan>;
}

/** The key of a route fragment (its destination) and of a tunnel fragment (its name). */
export const routeKey = (route: PodSubnetRoute): string => route.destination;
/** @see routeKey */
export const tunnelKey = (tunnel: TunnelPlan): string => tunnel.name;

function mapDelta<V>(next: FragmentMap<V>, previous: FragmentMap<V> | undefined): FragmentMapDelta<V> {
  const { changed, removed } = next.diff(previous);
  return { set: changed.map((key) => next.get(key) as V), remove: [...removed] };
}

/** What changed from `previous` (the plan the other side holds; undefined: none) to `next`. */
export function planDelta(next: RoutePlan, previous: RoutePlan | undefined): RoutePlanDelta {
  return {
    reset: previous === undefined,
    node: next.node,
    settings: next.settings,
    ...(next.masquerade === undefined ? {} : { masquerade: next.masquerade }),
    ...(next.bgp === undefined ? {} : { bgp: next.bgp }),
    routes: mapDelta(next.routes, previous?.routes),
    tunnels: mapDelta(next.tunnels, previous?.tunnels),
  };
}

function applyMapDelta<V>(base: FragmentMap<V> | undefined, delta: FragmentMapDelta<V>, keyOf: (value: V) => string): FragmentMap<V> {
  if (delta.set.length === 0 && delta.remove.length === 0) return base ?? emptyFragmentMap<V>();
  const table = base === undefined ? new SortedTable<V>() : SortedTable.from(base);
  for (const key of delta.remove) table.delete(key);
  for (const value of delta.set) table.set(keyOf(value), value);
  return table.view();
}

/**
 * The plan `delta` describes, built on `previous` (what this side received last). A `reset`
 * delta ignores `previous`.
 */
export function applyPlanDelta(previous: RoutePlan | undefined, delta: RoutePlanDelta): RoutePlan {
  const base = delta.reset ? undefined : previous;
  return {
    node: delta.node,
    settings: delta.settings,
    routes: applyMapDelta(base?.routes, delta.routes, routeKey),
    tunnels: applyMapDelta(base?.tunnels, delta.tunnels, tunnelKey),
    ...(delta.masquerade === undefined ? {} : { masquerade: delta.masquerade }),
    ...(delta.bgp === undefined ? {} : { bgp: delta.bgp }),
  };
}
