import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { planRoutes, type RoutePlanOptions } from '../../src/core/planner/index.js';
import type { PodSubnetRoute, RoutePlan } from '../../src/core/plan/index.js';
import { node } from './model-factories.js';
import { snapshotOf } from '../support/array-snapshot.js';

/** Dual-stack a and b, IPv4-only c and f, d without a pod CIDR, IPv6-only e; one flat underlay. */
const cluster = snapshotOf(
  node('a', { internalIPs: ['10.0.0.1', 'fd00::1'], podCIDRs: ['10.244.0.0/24', 'fd10::/64'] }),
  node('b', { internalIPs: ['10.0.0.2', 'fd00::2'], podCIDRs: ['10.244.1.0/24', 'fd10:0:0:1::/64'] }),
  node('c', { internalIPs: ['10.0.0.3'], podCIDRs: ['10.244.2.0/24'] }),
  node('d', { internalIPs: ['10.0.0.4'] }),
  node('e', { internalIPs: ['fd00::5'], podCIDRs: ['10.244.4.0/24', 'fd10:0:0:4::/64'] }),
  node('f', { internalIPs: ['10.0.0.6'], podCIDRs: ['10.244.10.0/24'] }),
);

function routesOf(plan: RoutePlan): PodSubnetRoute[] {
  return [...plan.routes.values()];
}

/** `destination kind gateway` of each route, in the plan's (key) order. */
function routeTexts(plan: RoutePlan): string[] {
  return routesOf(plan).map((route) => `${route.destination} ${route.kind} ${route.gateway}`);
}

describe('planRoutes: direct routes', () => {
  it('routes every other node\'s pod CIDRs directly via its InternalIP of the same family', () => {
    const plan = planRoutes(cluster, 'a');
    assert.equal(plan.node, 'a');
    // Key order is text order: "10.244.1.0/24" < "10.244.10.0/24" < "10.244.2.0/24".
    assert.deepEqual(routesOf(plan), [
      { destination: '10.244.1.0/24', family: 'IPv4', node: 'b', kind: 'direct', gateway: '10.0.0.2', sameSubnet: true },
      { destination: '10.244.10.0/24', family: 'IPv4', node: 'f', kind: 'direct', gateway: '10.0.0.6', sameSubnet: true },
      // e's IPv4 CIDR is skipped: e has no IPv4 InternalIP. d has no pod CIDR.
      { destination: '10.244.2.0/24', family: 'IPv4', node: 'c', kind: 'direct', gateway: '10.0.0.3', sameSubnet: true },
      { destination: 'fd10:0:0:1::/64', family: 'IPv6', node: 'b', kind: 'direct', gateway: 'fd00::2', sameSubnet: true },
      { destination: 'fd10:0:0:4::/64', family: 'IPv6', node: 'e', kind: 'direct', gateway: 'fd00::5', sameSubnet: true },
    ]);
    assert.deepEqual([...plan.tunnels.values()], []);
    assert.equal(plan.bgp, undefined);
  });

  it('keys each route by its destination', () => {
    const plan = planRoutes(cluster, 'a');
    assert.deepEqual([...plan.routes.keys()], routesOf(plan).map((route) => route.destination));
    assert.equal(plan.routes.get('fd10:0:0:4::/64')?.node, 'e');
  });

  it('plans no route of a family the local node has no InternalIP of', () => {
    assert.deepEqual(routeTexts(planRoutes(cluster, 'c')), [
      '10.244.0.0/24 direct 10.0.0.1',
      '10.244.1.0/24 direct 10.0.0.2',
      '10.244.10.0/24 direct 10.0.0.6',
    ]);
    // e is IPv6-only: only the IPv6 CIDRs of a and b.
    assert.deepEqual(routeTexts(planRoutes(cluster, 'e')), ['fd10:0:0:1::/64 direct fd00::2', 'fd10::/64 direct fd00::1']);
  });

  it('still routes from a node without a pod CIDR', () => {
    assert.equal(planRoutes(cluster, 'd').routes.size, 4);
  });

  it('resolves the settings: defaults, and the overlay off when disabled', () => {
    assert.deepEqual(planRoutes(cluster, 'a').settings, { underlayCIDRs: [], overlay: 'subnet', tunnelType: 'ipip' });
    const settings = planRoutes(cluster, 'a', {
      underlayCIDRs: ['fd00::1/64', '10.0.0.1/24', '10.0.0.0/24'],
      enableOverlay: false,
      overlayType: 'full',
      tunnelType: 'vxlan',
    }).settings;
    // Host bits cleared, duplicates merged, IPv4 first.
    assert.deepEqual(settings, { underlayCIDRs: ['10.0.0.0/24', 'fd00::/64'], overlay: 'off', tunnelType: 'vxlan' });
  });

  it('gives a plan with nothing in it for a node that is not in the snapshot', () => {
    const plan = planRoutes(cluster, 'ghost');
    assert.equal(plan.node, 'ghost');
    assert.equal(plan.routes.size, 0);
    assert.equal(plan.tunnels.size, 0);
    assert.equal(plan.masquerade, undefined);
  });

  it('freezes the plan and its fragments', () => {
    const plan = planRoutes(cluster, 'a');
    assert.ok(Object.isFrozen(plan));
    assert.ok(Object.isFrozen(plan.settings));
    assert.ok(routesOf(plan).every((route) => Object.isFrozen(route)));
    assert.ok(Object.isFrozen(plan.masquerade?.exceptDestinations));
  });
});

describe('planRoutes: pod egress masquerade', () => {
  it('masquerades pod egress except to the pod CIDRs of all nodes and to node addresses, numerically sorted', () => {
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

  it('uses the configured cluster CIDRs instead of the nodes\' pod CIDRs when given', () => {
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

  it('lists an address or pod CIDR two nodes share once', () => {
    const shared = snapshotOf(
      node('a', { internalIPs: ['10.0.0.1'], podCIDRs: ['10.244.0.0/24'] }),
      node('b', { internalIPs: ['10.0.0.9'], podCIDRs: ['10.244.9.0/24'] }),
      node('c', { internalIPs: ['10.0.0.9'], podCIDRs: ['10.244.9.0/24'] }),
    );
    assert.deepEqual(planRoutes(shared, 'a').masquerade?.exceptDestinations, [
      '10.0.0.1/32',
      '10.0.0.9/32',
      '10.244.0.0/24',
      '10.244.9.0/24',
    ]);
  });

  it('plans no masquerade for a node without a pod CIDR', () => {
    assert.equal(planRoutes(cluster, 'd').masquerade, undefined);
  });

  it('plans no masquerade when pod egress masquerade is off, and keeps the routes', () => {
    const plan = planRoutes(cluster, 'a', { podEgressMasquerade: false });
    assert.equal(plan.masquerade, undefined);
    assert.equal(plan.routes.size, 5);
  });
});

describe('planRoutes: skipped input', () => {
  it('routes to neither of two nodes claiming the same pod CIDR; the other routes are unaffected', () => {
    const snapshot = snapshotOf(
      node('x', { internalIPs: ['10.0.0.1'], podCIDRs: ['10.1.5.0/24'] }),
      node('y', { internalIPs: ['10.0.0.2'], podCIDRs: ['10.1.5.0/24'] }),
      node('z', { internalIPs: ['10.0.0.3'], podCIDRs: ['10.1.6.0/24'] }),
      node('w', { internalIPs: ['10.0.0.4'], podCIDRs: ['10.1.7.0/24'] }),
    );
    assert.deepEqual(routeTexts(planRoutes(snapshot, 'z')), ['10.1.7.0/24 direct 10.0.0.4']);
    assert.deepEqual(routeTexts(planRoutes(snapshot, 'x')), ['10.1.6.0/24 direct 10.0.0.3', '10.1.7.0/24 direct 10.0.0.4']);
    assert.deepEqual(routeTexts(planRoutes(snapshot, 'y')), ['10.1.6.0/24 direct 10.0.0.3', '10.1.7.0/24 direct 10.0.0.4']);
  });

  it('routes to neither of two overlapping pod CIDRs, whichever is larger', () => {
    const snapshot = snapshotOf(
      node('p', { internalIPs: ['10.0.0.1'], podCIDRs: ['10.1.0.0/16'] }),
      node('q', { internalIPs: ['10.0.0.2'], podCIDRs: ['10.1.1.0/24'] }),
      node('r', { internalIPs: ['10.0.0.3'], podCIDRs: ['10.2.0.0/24'] }),
      node('s', { internalIPs: ['10.0.0.4'], podCIDRs: ['10.3.0.0/24'] }),
    );
    assert.deepEqual(routeTexts(planRoutes(snapshot, 'r')), ['10.3.0.0/24 direct 10.0.0.4']);
    assert.deepEqual(routeTexts(planRoutes(snapshot, 'p')), ['10.2.0.0/24 direct 10.0.0.3', '10.3.0.0/24 direct 10.0.0.4']);
    assert.deepEqual(routeTexts(planRoutes(snapshot, 'q')), ['10.2.0.0/24 direct 10.0.0.3', '10.3.0.0/24 direct 10.0.0.4']);
  });

  it('finds overlaps whose prefix is not a multiple of four, and IPv6 ones', () => {
    const snapshot = snapshotOf(
      node('local', { internalIPs: ['10.0.0.1', 'fd00::1'], podCIDRs: [] }),
      // 10.1.0.0/23 holds 10.1.0.0-10.1.1.255; fd10:0:0:2::/63 holds fd10:0:0:2:: to fd10:0:0:3:ffff:...
      node('wide', { internalIPs: ['10.0.0.2', 'fd00::2'], podCIDRs: ['10.1.0.0/23', 'fd10:0:0:2::/63'] }),
      node('inner', { internalIPs: ['10.0.0.3', 'fd00::3'], podCIDRs: ['10.1.1.0/24', 'fd10:0:0:3:8000::/65'] }),
      // Next to the /23 and the /63, not inside them.
      node('beside', { internalIPs: ['10.0.0.4', 'fd00::4'], podCIDRs: ['10.1.2.0/24', 'fd10:0:0:4::/64'] }),
    );
    assert.deepEqual(routeTexts(planRoutes(snapshot, 'local')), ['10.1.2.0/24 direct 10.0.0.4', 'fd10:0:0:4::/64 direct fd00::4']);
  });

  it('never routes a default route given as a pod CIDR, nor lets it block the others', () => {
    const snapshot = snapshotOf(
      node('a', { internalIPs: ['10.0.0.1', 'fd00::1'], podCIDRs: ['10.244.0.0/24'] }),
      node('b', { internalIPs: ['10.0.0.2', 'fd00::2'], podCIDRs: ['10.244.1.0/24'] }),
      node('g', { internalIPs: ['10.0.0.7', 'fd00::7'], podCIDRs: ['0.0.0.0/0', '::/0'] }),
    );
    const plan = planRoutes(snapshot, 'a');
    assert.deepEqual(routeTexts(plan), ['10.244.1.0/24 direct 10.0.0.2']);
    assert.ok(!plan.masquerade?.exceptDestinations.includes('0.0.0.0/0'));
    assert.ok(!plan.masquerade?.exceptDestinations.includes('::/0'));
    assert.equal(planRoutes(snapshot, 'g').masquerade, undefined);
  });

  it('routes to neither of two nodes with the same InternalIP, nor to one sharing this node\'s', () => {
    const snapshot = snapshotOf(
      node('a', { internalIPs: ['10.0.0.1'], podCIDRs: ['10.244.0.0/24'] }),
      node('b', { internalIPs: ['10.0.0.2'], podCIDRs: ['10.244.1.0/24'] }),
      node('h1', { internalIPs: ['10.0.0.50'], podCIDRs: ['10.244.5.0/24'] }),
      node('h2', { internalIPs: ['10.0.0.50'], podCIDRs: ['10.244.6.0/24'] }),
      node('twin', { internalIPs: ['10.0.0.1'], podCIDRs: ['10.244.7.0/24'] }),
    );
    const direct = planRoutes(snapshot, 'a');
    assert.deepEqual(routeTexts(direct), ['10.244.1.0/24 direct 10.0.0.2']);
    const full = planRoutes(snapshot, 'a', { overlayType: 'full' });
    assert.deepEqual(routeTexts(full), ['10.244.1.0/24 tunnel 10.0.0.2']);
    assert.deepEqual([...full.tunnels.keys()], ['tun-znptpndwfby']);
  });

  it('skips pod CIDRs that do not parse', () => {
    const snapshot = snapshotOf(
      node('a', { internalIPs: ['10.0.0.1'], podCIDRs: ['10.244.0.0/24'] }),
      node('b', { internalIPs: ['10.0.0.2'], podCIDRs: ['not-a-cidr', '10.244.1.0/24'] }),
    );
    assert.deepEqual(routeTexts(planRoutes(snapshot, 'a')), ['10.244.1.0/24 direct 10.0.0.2']);
  });
});

describe('planRoutes: options', () => {
  const invalid: [string, RoutePlanOptions, RegExp][] = [
    ['an underlay CIDR that does not parse', { underlayCIDRs: ['10.0.0.0/33'] }, /underlayCIDRs: "10.0.0.0\/33"/],
    ['a cluster CIDR that does not parse', { clusterCIDRs: ['nope'] }, /clusterCIDRs: "nope"/],
    ['a VNI over 24 bits', { vxlanVni: 16_777_216 }, /vxlanVni must be an integer from 0 to 16777215/],
    ['a VXLAN port of 0', { vxlanPort: 0 }, /vxlanPort/],
    ['a fractional FoU port', { fouPort: 5555.5 }, /fouPort/],
    ['an underlay MTU below 576', { underlayMTU: 575 }, /underlayMTU must be an integer from 576 to 65535/],
    ['an unknown tunnel type', { tunnelType: 'gre' as never }, /tunnelType must be ipip, fou or vxlan/],
    ['an unknown overlay type', { overlayType: 'mesh' as never }, /overlayType must be subnet or full/],
  ];
  for (const [title, options, message] of invalid) {
    it(`refuses ${title} with a ConfigError`, () => {
      assert.throws(() => planRoutes(cluster, 'a', options), (error: Error) => error.name === 'ConfigError' && message.test(error.message));
    });
  }
});
