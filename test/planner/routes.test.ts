import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { planRoutes } from '../../src/core/planner/index.js';
import { node } from './model-factories.js';
import { snapshotOf } from '../support/array-snapshot.js';

/** Dual-stack a and b, IPv4-only c and f, d without a pod CIDR, IPv6-only e. */
const cluster = snapshotOf(
  node('a', { internalIPs: ['10.0.0.1', 'fd00::1'], podCIDRs: ['10.244.0.0/24', 'fd10::/64'] }),
  node('b', { internalIPs: ['10.0.0.2', 'fd00::2'], podCIDRs: ['10.244.1.0/24', 'fd10:0:0:1::/64'] }),
  node('c', { internalIPs: ['10.0.0.3'], podCIDRs: ['10.244.2.0/24'] }),
  node('d', { internalIPs: ['10.0.0.4'] }),
  node('e', { internalIPs: ['fd00::5'], podCIDRs: ['10.244.4.0/24', 'fd10:0:0:4::/64'] }),
  node('f', { internalIPs: ['10.0.0.6'], podCIDRs: ['10.244.10.0/24'] }),
);

describe('planRoutes', () => {
  it('plans a direct route per pod CIDR of every other node, via its InternalIP of the same family', () => {
    const plan = planRoutes(cluster, 'a', { clusterCIDRs: [] });
    assert.equal(plan.node, 'a');
    assert.deepEqual(plan.routes, [
      { destination: '10.244.1.0/24', family: 'IPv4', node: 'b', kind: 'direct', gateway: '10.0.0.2' },
      { destination: '10.244.2.0/24', family: 'IPv4', node: 'c', kind: 'direct', gateway: '10.0.0.3' },
      // Numeric order: .10 after .2; e's IPv4 CIDR is skipped, e has no IPv4 InternalIP.
      { destination: '10.244.10.0/24', family: 'IPv4', node: 'f', kind: 'direct', gateway: '10.0.0.6' },
      { destination: 'fd10:0:0:1::/64', family: 'IPv6', node: 'b', kind: 'direct', gateway: 'fd00::2' },
      { destination: 'fd10:0:0:4::/64', family: 'IPv6', node: 'e', kind: 'direct', gateway: 'fd00::5' },
    ]);
    assert.deepEqual(plan.tunnels, []);
    assert.equal(plan.bgp, undefined);
  });

  it('plans no route of a family the local node has no InternalIP of', () => {
    const plan = planRoutes(cluster, 'c', { clusterCIDRs: [] });
    assert.deepEqual(
      plan.routes.map((route) => `${route.destination} ${route.gateway}`),
      ['10.244.0.0/24 10.0.0.1', '10.244.1.0/24 10.0.0.2', '10.244.10.0/24 10.0.0.6'],
    );
  });

  it('masquerades pod egress except to the pod CIDRs of all nodes and to node addresses', () => {
    const plan = planRoutes(cluster, 'a', { clusterCIDRs: [] });
    assert.deepEqual(plan.masquerade, {
      sources: ['10.244.0.0/24', 'fd10::/64'],
      exceptDestinations: [
        '10.0.0.1/32',
        '10.0.0.2/32',
        '10.0.0.3/32',
        '10.0.0.4/32',
        '10.0.0.6/32',
        '10.244.0.0/24',
        '10.244.1.0/24',
        '10.244.2.0/24',
        '10.244.4.0/24',
        '10.244.10.0/24',
        'fd00::1/128',
        'fd00::2/128',
        'fd00::5/128',
        'fd10::/64',
        'fd10:0:0:1::/64',
        'fd10:0:0:4::/64',
      ],
    });
  });

  it('uses the configured cluster CIDRs instead of the nodes pod CIDRs when given', () => {
    const plan = planRoutes(cluster, 'b', { clusterCIDRs: ['fd10::/48', '10.244.0.0/16'] });
    assert.deepEqual(plan.masquerade?.sources, ['10.244.1.0/24', 'fd10:0:0:1::/64']);
    assert.deepEqual(plan.masquerade?.exceptDestinations, [
      '10.0.0.1/32',
      '10.0.0.2/32',
      '10.0.0.3/32',
      '10.0.0.4/32',
      '10.0.0.6/32',
      '10.244.0.0/16',
      'fd00::1/128',
      'fd00::2/128',
      'fd00::5/128',
      'fd10::/48',
    ]);
  });

  it('plans no masquerade for a node without a pod CIDR, but still its routes', () => {
    const plan = planRoutes(cluster, 'd', { clusterCIDRs: [] });
    assert.equal(plan.masquerade, undefined);
    assert.equal(plan.routes.length, 4);
  });

  it('plans no masquerade when pod egress masquerade is off', () => {
    const plan = planRoutes(cluster, 'a', { clusterCIDRs: [], podEgressMasquerade: false });
    assert.equal(plan.masquerade, undefined);
    assert.equal(plan.routes.length, 5);
  });

  it('gives an empty plan for a node that is not in the snapshot', () => {
    assert.deepEqual(planRoutes(cluster, 'ghost', { clusterCIDRs: [] }), { node: 'ghost', routes: [], tunnels: [] });
  });
});
