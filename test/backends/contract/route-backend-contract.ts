import assert from 'node:assert/strict';
import type { RouteBackend } from '../../../src/core/backend/concern-backends.js';
import type { RoutePlan } from '../../../src/core/plan/route-plan.js';
import { assertCounts, backendLifecycleContract, useFreshBackend, type BackendFactory } from './backend-contract.js';
import { ROUTE_PLAN_FRAGMENTS, routePlan } from './fixtures/route-plans.js';

/**
 * The contract every `RouteBackend` honours, counted in routes, tunnels, the masquerade and
 * the BGP speaker. Registers a mocha `describe`; `make` builds a fresh backend for each test.
 */
export function routeBackendContract(name: string, make: BackendFactory<RouteBackend>): void {
  describe(`${name}: RouteBackend contract`, () => {
    const backend = useFreshBackend(make);
    backendLifecycleContract(backend, 'route', { plan: routePlan, fragments: ROUTE_PLAN_FRAGMENTS });

    it('removes the route and tunnel of a node that left, and updates the BGP mesh', async () => {
      await backend().sync(routePlan());
      const plan = routePlan();
      const withoutNodeC: RoutePlan = {
        ...plan,
        routes: plan.routes.filter((route) => route.node !== 'node-c'),
        tunnels: [],
        bgp: { ...plan.bgp!, peers: plan.bgp!.peers.filter((peer) => peer.address !== '192.168.60.13') },
      };
      assertCounts(await backend().sync(withoutNodeC), { full: false, changed: 1, removed: 2, unchanged: 2 });
      const state = (await backend().describe()).plan;
      assert.deepEqual(
        state?.routes.map((route) => route.destination),
        ['10.1.2.0/24'],
      );
      assert.deepEqual(state?.tunnels, []);
    });

    it('adds a route and a BGP peer for a node that joined', async () => {
      await backend().sync(routePlan());
      const plan = routePlan();
      const withNodeD: RoutePlan = {
        ...plan,
        routes: [
          ...plan.routes,
          { destination: '10.1.4.0/24', family: 'IPv4', node: 'node-d', kind: 'direct', gateway: '192.168.50.14' },
        ],
        bgp: { ...plan.bgp!, peers: [...plan.bgp!.peers, { address: '192.168.50.14', asn: 64512, kind: 'ibgp-mesh' }] },
      };
      assertCounts(await backend().sync(withNodeD), { full: false, changed: 2, removed: 0, unchanged: 4 });
    });

    it('removes the masquerade when the plan no longer has one', async () => {
      await backend().sync(routePlan());
      const withoutMasquerade: RoutePlan = { ...routePlan(), masquerade: undefined };
      assertCounts(await backend().sync(withoutMasquerade), { full: false, changed: 0, removed: 1, unchanged: 4 });
      assert.equal((await backend().describe()).plan?.masquerade, undefined);
    });
  });
}
