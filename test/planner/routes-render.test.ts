import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { routePlanLines } from '../../src/cli/render/route-text.js';
import { planRoutes } from '../../src/core/planner/index.js';
import { node } from './model-factories.js';
import { snapshotOf } from '../support/array-snapshot.js';

describe('route plan text', () => {
  it('prints direct routes, tunnel routes with their device, tunnels and masquerade', () => {
    const snapshot = snapshotOf(
      node('n1', { internalIPs: ['192.168.1.10'], podCIDRs: ['10.1.1.0/24'] }),
      node('n2', { internalIPs: ['192.168.1.20'], podCIDRs: ['10.1.2.0/24'] }),
      node('n3', { internalIPs: ['192.168.2.30'], podCIDRs: ['10.1.10.0/24'] }),
    );
    const plan = planRoutes(snapshot, 'n1', { underlayCIDRs: ['192.168.1.0/24'], tunnelType: 'vxlan', clusterCIDRs: ['10.1.0.0/16'] });
    assert.deepEqual(routePlanLines(plan), [
      // Numeric order: 10.1.2.0 before 10.1.10.0 (the plan's keys are in text order).
      'route 10.1.2.0/24 via 192.168.1.20 (n2, direct)',
      // tun- + base32(sha256("192.168.2.30"))[:11], computed in Python.
      'route 10.1.10.0/24 dev tun-xouvry4s6aq (n3, tunnel to 192.168.2.30, other subnet)',
      'tunnel tun-xouvry4s6aq vxlan 192.168.1.10 -> 192.168.2.30 (n3) mtu 1450 vni 1 port 4789',
      'masquerade pod egress from 10.1.1.0/24 except to 10.1.0.0/16, 192.168.1.10/32, 192.168.1.20/32, 192.168.2.30/32',
    ]);
  });

  it('says when a full overlay tunnels to a node on the same subnet', () => {
    const snapshot = snapshotOf(
      node('n1', { internalIPs: ['192.168.1.10'], podCIDRs: ['10.1.1.0/24'] }),
      node('n2', { internalIPs: ['192.168.1.20'], podCIDRs: ['10.1.2.0/24'] }),
    );
    const lines = routePlanLines(planRoutes(snapshot, 'n1', { overlayType: 'full', podEgressMasquerade: false }));
    assert.deepEqual(lines, [
      'route 10.1.2.0/24 dev tun-kurviwjieg3 (n2, tunnel to 192.168.1.20, same subnet)',
      'tunnel tun-kurviwjieg3 ipip 192.168.1.10 -> 192.168.1.20 (n2) mtu 1480',
    ]);
  });
});
