import assert from 'node:assert/strict';
import { applyPlanDelta, planDelta } from '../../../src/backends/netlink/netns/plan-delta.js';
import { directRoute, manyDirectRoutes, routePlanOf, withRoute } from './route-plans.js';

describe('route plan deltas (NamespacedRouteBackend)', () => {
  it('sends only what changed and rebuilds a plan whose maps diff as small as the change', () => {
    const first = routePlanOf('node-a', manyDirectRoutes(600, () => '192.168.0.2'));
    const received = applyPlanDelta(undefined, JSON.parse(JSON.stringify(planDelta(first, undefined))));
    assert.equal(received.routes.size, 600);
    const second = withRoute(first, directRoute('node-x', '10.250.0.0/24', '192.168.0.9'));
    const delta = planDelta(second, first);
    assert.deepEqual({ set: delta.routes.set.length, remove: delta.routes.remove.length, reset: delta.reset }, { set: 1, remove: 0, reset: false });
    const next = applyPlanDelta(received, JSON.parse(JSON.stringify(delta)));
    assert.deepEqual(next.routes.diff(received.routes), { changed: ['10.250.0.0/24'], removed: [] });
    assert.deepEqual([...next.routes.keys()], [...second.routes.keys()]);
  });
});
