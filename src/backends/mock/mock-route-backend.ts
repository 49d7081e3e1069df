import type { RouteBackend } from '../../core/backend/concern-backends.js';
import type { RoutePlan } from '../../core/plan/route-plan.js';
import type { PlanFragment } from './plan-fragments.js';
import { MockBackend, type MockPlanShape } from './mock-backend.js';
import { countOf } from './summary-lines.js';

function* routeFragments(plan: RoutePlan): Iterable<PlanFragment> {
  for (const route of plan.routes) yield [`route/${route.destination}`, route];
  for (const tunnel of plan.tunnels) yield [`tunnel/${tunnel.name}`, tunnel];
  if (plan.masquerade) yield ['masquerade', plan.masquerade];
  if (plan.bgp) yield ['bgp', plan.bgp];
}

function summariseRoutes(plan: RoutePlan): string[] {
  const lines = [`${countOf(plan.routes.length, 'route')}, ${countOf(plan.tunnels.length, 'tunnel')}`];
  if (plan.masquerade) lines.push(`masquerade: ${countOf(plan.masquerade.sources.length, 'source CIDR')}`);
  if (plan.bgp) {
    const { localAsn, peers, announcements } = plan.bgp;
    lines.push(`bgp: AS ${localAsn}, ${countOf(peers.length, 'peer')}, ${countOf(announcements.length, 'announcement')}`);
  }
  return lines;
}

const routePlanShape: MockPlanShape<RoutePlan> = {
  fragments: routeFragments,
  planWide: (plan) => ({ node: plan.node }),
  summarise: summariseRoutes,
};

/**
 * A mock routing backend: keeps the last synced `RoutePlan`. Its fragments are the routes,
 * by destination, the tunnels, by name, the pod egress masquerade and the BGP speaker (one
 * fragment each when present); a change of node makes a full sync. The summary's first line
 * reads `N routes, N tunnels`, followed by a `masquerade:` and a `bgp:` line when the plan has
 * them. See `MockBackend` for the contract and test hooks.
 */
export class MockRouteBackend extends MockBackend<RoutePlan, 'route'> implements RouteBackend {
  constructor() {
    super('route', routePlanShape);
  }
}
