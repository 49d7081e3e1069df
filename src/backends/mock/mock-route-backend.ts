import type { RouteBackend } from '../../core/backend/concern-backends.js';
import type { RoutePlan } from '../../core/plan/route-plan.js';
import { MockBackend, type MockPlanShape } from './mock-backend.js';
import { countOf } from './summary-lines.js';

function summariseRoutes(plan: RoutePlan): string[] {
  const lines = [`${countOf(plan.routes.size, 'route')}, ${countOf(plan.tunnels.size, 'tunnel')}`];
  if (plan.masquerade) lines.push(`masquerade: ${countOf(plan.masquerade.sources.length, 'source CIDR')}`);
  if (plan.bgp) {
    const { localAsn, peers, announcements } = plan.bgp;
    lines.push(`bgp: AS ${localAsn}, ${countOf(peers.length, 'peer')}, ${countOf(announcements.length, 'announcement')}`);
  }
  return lines;
}

const routePlanShape: MockPlanShape<RoutePlan> = {
  parts: (plan) => ({
    maps: { routes: plan.routes, tunnels: plan.tunnels },
    singles: {
      ...(plan.masquerade === undefined ? {} : { masquerade: plan.masquerade }),
      ...(plan.bgp === undefined ? {} : { bgp: plan.bgp }),
    },
    planWide: { node: plan.node, settings: plan.settings },
  }),
  summarise: summariseRoutes,
};

/**
 * A mock routing backend: keeps the last synced `RoutePlan`. Its fragments are the routes, by
 * destination, the tunnels, by name, the pod egress masquerade and the BGP speaker (one
 * fragment each when present); a change of node or route settings makes a full sync. The
 * summary's first line reads `N routes, N tunnels`, followed by a `masquerade:` and a `bgp:`
 * line when the plan has them. See `MockBackend` for the contract and test hooks.
 */
export class MockRouteBackend extends MockBackend<RoutePlan, 'route'> implements RouteBackend {
  constructor() {
    super('route', routePlanShape);
  }
}
