import type { PodEgressMasquerade, PodSubnetRoute, RoutePlan, TunnelPlan } from '../../plan/index.js';
import type { ObjectChange } from '../../store/change.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import type { ConcernPlanner } from '../concern-planner.js';
import { changedObjects } from '../common/changed-objects.js';
import { FragmentTable } from '../common/fragment-table.js';
import type { CidrKey } from './cidr-keys.js';
import { planPodEgressMasquerade } from './pod-egress-masquerade.js';
import { decideRoute, decideTunnel } from './route-decisions.js';
import { noDirtyKeys, RouteIndex, type DirtyRouteKeys } from './route-index.js';
import { resolveRouteOptions, type ResolvedRouteOptions, type RoutePlanOptions } from './route-plan-options.js';
import { sameRoute, sameTunnel } from './same-fields.js';

/**
 * Plans what the routing controller programs on one node, incrementally: kernel routes to
 * every other node's pod CIDRs, overlay tunnels, and pod egress masquerade.
 *
 * Routes (one fragment per destination pod CIDR, IPv4 and IPv6): `direct` via the owner's
 * InternalIP of the CIDR's family when that address lies in one of this node's underlay CIDRs
 * (or the subnet is unknown); otherwise, with the overlay on (`subnet`), through a tunnel; with
 * overlay `full`, through a tunnel always; with the overlay off, no route (kube-router leaves
 * such nodes to BGP). Tunnels (one fragment per remote underlay address a route uses) are named
 * by `tunnelName`, with the MTU of `tunnelMtu`. What is skipped, and why, is listed on
 * `decideRoute`; the store reports the same bad input as problems, the planner only skips.
 *
 * Incremental: only Node changes matter (pods, services, slices, policies and namespaces cost
 * nothing). the route index (`RouteIndex`) turns each changed node into the fragment keys it can affect;
 * only those are replanned, and a fragment that comes out equal keeps its previous object.
 * {@link RoutePlanner.full} is the same path with every key dirty.
 *
 * Not planned: BGP (`bgp` stays undefined; peering and announcements need a BGP daemon
 * backend, which does not exist yet).
 *
 * A node missing from the snapshot (not registered yet) gets a plan with no route, tunnel or
 * masquerade: without its addresses no family or tunnel end is known.
 */
export class RoutePlanner implements ConcernPlanner<RoutePlan> {
  private readonly options: ResolvedRouteOptions;
  private readonly index: RouteIndex;
  private readonly routes = new FragmentTable<PodSubnetRoute>();
  private readonly tunnels = new FragmentTable<TunnelPlan>();
  private masquerade: PodEgressMasquerade | undefined;
  /** The exceptions version the masquerade fragment was built from. */
  private masqueradeVersion = -1;
  private plan: RoutePlan | undefined;

  /**
   * @param nodeName the node to plan for
   * @param options kube-router's routing flags; see {@link RoutePlanOptions} for defaults
   * @throws ConfigError for an option that does not parse or is out of range
   */
  constructor(
    readonly nodeName: string,
    options: RoutePlanOptions = {},
  ) {
    this.options = resolveRouteOptions(options);
    this.index = new RouteIndex(nodeName, this.options.clusterCIDRs);
  }

  get current(): RoutePlan | undefined {
    return this.plan;
  }

  full(snapshot: ClusterSnapshot): RoutePlan {
    this.index.rebuild(snapshot.nodes());
    const dirty = noDirtyKeys();
    dirty.all = true;
    return this.replan(dirty);
  }

  update(snapshot: ClusterSnapshot, changes: Iterable<ObjectChange>): RoutePlan {
    if (this.plan === undefined) return this.full(snapshot);
    const dirty = noDirtyKeys();
    for (const name of changedObjects(changes).Node) this.index.update(name, snapshot.node(name), dirty);
    return this.replan(dirty);
  }

  private replan(dirty: DirtyRouteKeys): RoutePlan {
    if (dirty.all) this.replanEveryRoute(dirty.tunnels);
    else for (const destination of dirty.destinations.values()) this.replanRoute(destination, dirty.tunnels);
    for (const name of dirty.tunnels) {
      const next = decideTunnel(name, this.index, this.options, this.routes);
      const previous = this.tunnels.get(name);
      if (next === undefined) {
        if (previous !== undefined) this.tunnels.delete(name);
      } else if (previous === undefined || !sameTunnel(previous, next)) {
        this.tunnels.put(name, next);
      }
    }
    if (dirty.all || this.masqueradeVersion !== this.index.exceptions.version) this.replanMasquerade();
    return this.publish();
  }

  /** Replans one route; both tunnels it names (before and after) are marked for a recheck. */
  private replanRoute(destination: CidrKey, dirtyTunnels: Set<string>): void {
    const previous = this.routes.get(destination.text);
    const next = decideRoute(destination, this.index, this.options);
    // A tunnel lives while a route uses it.
    if (previous?.device !== undefined) dirtyTunnels.add(previous.device);
    if (next?.device !== undefined) dirtyTunnels.add(next.device);
    if (next === undefined) {
      if (previous !== undefined) this.routes.delete(destination.text);
    } else if (previous === undefined || !sameRoute(previous, next)) {
      this.routes.put(destination.text, next);
    }
  }

  /** Replans the route of every claimed CIDR, drops the routes of CIDRs no longer claimed, rechecks every tunnel. */
  private replanEveryRoute(dirtyTunnels: Set<string>): void {
    const claimed = new Set<string>();
    for (const claim of this.index.podCidrs.all()) {
      claimed.add(claim.cidr.text);
      this.replanRoute(claim.cidr, dirtyTunnels);
    }
    const gone = [...this.routes.view().values()].filter((route) => !claimed.has(route.destination));
    for (const route of gone) {
      if (route.device !== undefined) dirtyTunnels.add(route.device);
      this.routes.delete(route.destination);
    }
    for (const name of this.tunnels.view().keys()) dirtyTunnels.add(name);
  }

  /**
   * Rebuilds the masquerade fragment. Called only when the exceptions list changed or this
   * node did; the previous object is kept when the sources and the list are the same.
   */
  private replanMasquerade(): void {
    const listChanged = this.masqueradeVersion !== this.index.exceptions.version;
    this.masqueradeVersion = this.index.exceptions.version;
    const next = this.options.podEgressMasquerade ? planPodEgressMasquerade(this.index) : undefined;
    if (next === undefined) {
      this.masquerade = undefined;
    } else if (listChanged || this.masquerade === undefined || !sameList(next.sources, this.masquerade.sources)) {
      this.masquerade = Object.freeze({
        sources: Object.freeze(next.sources),
        exceptDestinations: Object.freeze(next.exceptDestinations),
      });
    }
  }

  /** The plan of the current fragments; the previous plan object when none of them changed. */
  private publish(): RoutePlan {
    const routes = this.routes.view();
    const tunnels = this.tunnels.view();
    const previous = this.plan;
    if (previous?.routes === routes && previous.tunnels === tunnels && previous.masquerade === this.masquerade) {
      return previous;
    }
    this.plan = Object.freeze({
      node: this.nodeName,
      settings: this.options.settings,
      routes,
      tunnels,
      ...(this.masquerade === undefined ? {} : { masquerade: this.masquerade }),
    });
    return this.plan;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
