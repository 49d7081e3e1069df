import assert from 'node:assert/strict';
import type { RouteBackend } from '../../../src/core/backend/concern-backends.js';
import { assertCounts, backendLifecycleContract, useFreshBackend, type BackendFactory } from './backend-contract.js';
import { ROUTE_PLAN_FRAGMENTS, routeParts, routePlan, routePlanWith } from './fixtures/route-plans.js';

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
      const parts = routeParts();
      parts.routes = parts.routes.filter((route) => route.node !== 'node-c');
      parts.tunnels = [];
      parts.bgp = { ...parts.bgp!, peers: parts.bgp!.peers.filter((peer) => peer.address !== '192.168.60.13') };
      assertCounts(await backend().sync(routePlanWith(parts)), { full: false, changed: 1, removed: 2, unchanged: 2 });
      const state = (await backend().describe()).plan;
      assert.deepEqual([...(state?.routes.keys() ?? [])], ['10.1.2.0/24']);
      assert.equal(state?.tunnels.size, 0);
    });

    it('adds a route and a BGP peer for a node that joined', async () => {
      await backend().sync(routePlan());
      const parts = routeParts();
      parts.routes.push({
        destination: '10.1.4.0/24',
        family: 'IPv4',
        node: 'node-d',
        kind: 'direct',
        gateway: '192.168.50.14',
        sameSubnet: true,
      });
      parts.bgp = {
        ...parts.bgp!,
        peers: [...parts.bgp!.peers, { address: '192.168.50.14', asn: 64512, port: 179, kind: 'ibgp-mesh', group: 'mesh' }],
      };
      assertCounts(await backend().sync(routePlanWith(parts)), { full: false, changed: 2, removed: 0, unchanged: 4 });
    });

    it('removes the masquerade when the plan no longer has one', async () => {
      await backend().sync(routePlan());
      const parts = routeParts();
      delete parts.masquerade;
      assertCounts(await backend().sync(routePlanWith(parts)), { full: false, changed: 0, removed: 1, unchanged: 4 });
      assert.equal((await backend().describe()).plan?.masquerade, undefined);
    });
  });
}
