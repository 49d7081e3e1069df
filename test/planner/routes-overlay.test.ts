import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { encapsulationOverhead, planRoutes, tunnelMtu, tunnelName, type RoutePlanOptions } from '../../src/core/planner/index.js';
import type { RoutePlan, TunnelPlan } from '../../src/core/plan/index.js';
import { node } from './model-factories.js';
import { snapshotOf } from '../support/array-snapshot.js';

/**
 * Two underlay subnets: n1 (local) and n2 on 192.168.1.0/24 and fd00:1::/64, n3 on
 * 192.168.2.0/24 and fd00:2::/64. Tunnel names were computed apart from the code:
 * `"tun-" + base32(sha256(address)).lower()[:11]` in Python.
 */
const TUN_N2_V4 = 'tun-kurviwjieg3'; // 192.168.1.20
const TUN_N2_V6 = 'tun-244eto4oz3g'; // fd00:1::20
const TUN_N3_V4 = 'tun-xouvry4s6aq'; // 192.168.2.30
const TUN_N3_V6 = 'tun-xajas5flehp'; // fd00:2::30

const cluster = snapshotOf(
  node('n1', { internalIPs: ['192.168.1.10', 'fd00:1::10'], podCIDRs: ['10.1.1.0/24', 'fd10:1::/64'] }),
  node('n2', { internalIPs: ['192.168.1.20', 'fd00:1::20'], podCIDRs: ['10.1.2.0/24', 'fd10:2::/64'] }),
  node('n3', { internalIPs: ['192.168.2.30', 'fd00:2::30'], podCIDRs: ['10.1.3.0/24', 'fd10:3::/64'] }),
);

/** n1's interface addresses, as kube-router would read them. */
const UNDERLAY = ['192.168.1.10/24', 'fd00:1::10/64'];

function plan(options: RoutePlanOptions = {}): RoutePlan {
  return planRoutes(cluster, 'n1', { underlayCIDRs: UNDERLAY, ...options });
}

/** `destination kind gateway device sameSubnet` per route. */
function routeTexts(routePlan: RoutePlan): string[] {
  return [...routePlan.routes.values()].map(
    (route) => `${route.destination} ${route.kind} ${route.gateway} ${route.device ?? '-'} ${route.sameSubnet}`,
  );
}

function tunnelsOf(routePlan: RoutePlan): TunnelPlan[] {
  return [...routePlan.tunnels.values()];
}

describe('planRoutes: overlay', () => {
  it('names tunnels tun- and 11 base32 digits of the SHA-256 of the address', () => {
    assert.equal(tunnelName('192.168.2.30'), TUN_N3_V4);
    assert.equal(tunnelName('fd00:2::30'), TUN_N3_V6);
    assert.equal(tunnelName('10.0.0.2'), 'tun-znptpndwfby');
    assert.match(tunnelName('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff'), /^tun-[a-z2-7]{11}$/);
  });

  it('subnet (the default): direct on the same subnet, one tunnel per address of a node off it', () => {
    const routePlan = plan();
    assert.equal(routePlan.settings.overlay, 'subnet');
    assert.deepEqual(routeTexts(routePlan), [
      '10.1.2.0/24 direct 192.168.1.20 - true',
      `10.1.3.0/24 tunnel 192.168.2.30 ${TUN_N3_V4} false`,
      'fd10:2::/64 direct fd00:1::20 - true',
      `fd10:3::/64 tunnel fd00:2::30 ${TUN_N3_V6} false`,
    ]);
    // ipip, the default: 1500 less a 20-byte IPv4 or 40-byte IPv6 outer header.
    assert.deepEqual(tunnelsOf(routePlan), [
      { name: TUN_N3_V6, type: 'ipip', family: 'IPv6', node: 'n3', local: 'fd00:1::10', remote: 'fd00:2::30', mtu: 1460 },
      { name: TUN_N3_V4, type: 'ipip', family: 'IPv4', node: 'n3', local: '192.168.1.10', remote: '192.168.2.30', mtu: 1480 },
    ]);
  });

  it('full: tunnels to every node, same subnet included', () => {
    const routePlan = plan({ overlayType: 'full' });
    assert.deepEqual(routeTexts(routePlan), [
      `10.1.2.0/24 tunnel 192.168.1.20 ${TUN_N2_V4} true`,
      `10.1.3.0/24 tunnel 192.168.2.30 ${TUN_N3_V4} false`,
      `fd10:2::/64 tunnel fd00:1::20 ${TUN_N2_V6} true`,
      `fd10:3::/64 tunnel fd00:2::30 ${TUN_N3_V6} false`,
    ]);
    assert.deepEqual([...routePlan.tunnels.keys()].sort(), [TUN_N2_V4, TUN_N2_V6, TUN_N3_V4, TUN_N3_V6].sort());
    assert.deepEqual(tunnelsOf(routePlan).map((tunnel) => `${tunnel.name} ${tunnel.node} ${tunnel.remote}`).sort(), [
      `${TUN_N2_V4} n2 192.168.1.20`,
      `${TUN_N2_V6} n2 fd00:1::20`,
      `${TUN_N3_V4} n3 192.168.2.30`,
      `${TUN_N3_V6} n3 fd00:2::30`,
    ].sort());
  });

  it('off: no route and no tunnel to a node off the subnets (left to BGP)', () => {
    const routePlan = plan({ enableOverlay: false });
    assert.deepEqual(routeTexts(routePlan), ['10.1.2.0/24 direct 192.168.1.20 - true', 'fd10:2::/64 direct fd00:1::20 - true']);
    assert.equal(routePlan.tunnels.size, 0);
    // The overlay type does not bring it back.
    assert.equal(plan({ enableOverlay: false, overlayType: 'full' }).routes.size, 2);
  });

  it('without underlay CIDRs every node counts as on the same subnet', () => {
    const routePlan = planRoutes(cluster, 'n1');
    assert.deepEqual(routeTexts(routePlan), [
      '10.1.2.0/24 direct 192.168.1.20 - true',
      '10.1.3.0/24 direct 192.168.2.30 - true',
      'fd10:2::/64 direct fd00:1::20 - true',
      'fd10:3::/64 direct fd00:2::30 - true',
    ]);
    assert.equal(routePlan.tunnels.size, 0);
  });

  it('without an underlay CIDR of one family, that family counts as one subnet', () => {
    const routePlan = planRoutes(cluster, 'n1', { underlayCIDRs: ['192.168.1.0/24'] });
    assert.deepEqual(routeTexts(routePlan), [
      '10.1.2.0/24 direct 192.168.1.20 - true',
      `10.1.3.0/24 tunnel 192.168.2.30 ${TUN_N3_V4} false`,
      'fd10:2::/64 direct fd00:1::20 - true',
      'fd10:3::/64 direct fd00:2::30 - true',
    ]);
  });

  it('vxlan: the VNI and port, MTU 1450 (IPv4) and 1430 (IPv6) at 1500', () => {
    const tunnels = tunnelsOf(plan({ tunnelType: 'vxlan' }));
    assert.deepEqual(tunnels.map((tunnel) => [tunnel.family, tunnel.type, tunnel.mtu, tunnel.vni, tunnel.port]), [
      ['IPv6', 'vxlan', 1430, 1, 4789],
      ['IPv4', 'vxlan', 1450, 1, 4789],
    ]);
    const custom = tunnelsOf(plan({ tunnelType: 'vxlan', vxlanVni: 42, vxlanPort: 8472, underlayMTU: 9000 }));
    assert.deepEqual(custom.map((tunnel) => [tunnel.mtu, tunnel.vni, tunnel.port]), [
      [8930, 42, 8472],
      [8950, 42, 8472],
    ]);
  });

  it('fou: the encap port and no VNI, MTU 1472 (IPv4) and 1452 (IPv6) at 1500', () => {
    const tunnels = tunnelsOf(plan({ tunnelType: 'fou' }));
    assert.deepEqual(tunnels.map((tunnel) => [tunnel.family, tunnel.mtu, tunnel.port, 'vni' in tunnel]), [
      ['IPv6', 1452, 5555, false],
      ['IPv4', 1472, 5555, false],
    ]);
    assert.deepEqual(tunnelsOf(plan({ tunnelType: 'fou', fouPort: 6000 })).map((tunnel) => tunnel.port), [6000, 6000]);
  });

  it('ipip: neither VNI nor port, the MTU follows the underlay MTU', () => {
    const tunnels = tunnelsOf(plan({ underlayMTU: 9000 }));
    assert.deepEqual(tunnels.map((tunnel) => [tunnel.mtu, 'vni' in tunnel, 'port' in tunnel]), [
      [8960, false, false],
      [8980, false, false],
    ]);
  });

  it('adds no tunnel for a node off the subnet that has nothing to route', () => {
    const snapshot = snapshotOf(
      node('n1', { internalIPs: ['192.168.1.10'], podCIDRs: ['10.1.1.0/24'] }),
      node('bare', { internalIPs: ['192.168.2.40'] }),
      node('v6pods', { internalIPs: ['192.168.2.50'], podCIDRs: ['fd10:5::/64'] }),
    );
    const routePlan = planRoutes(snapshot, 'n1', { underlayCIDRs: ['192.168.1.0/24'], overlayType: 'full' });
    assert.equal(routePlan.routes.size, 0);
    assert.equal(routePlan.tunnels.size, 0);
  });
});

describe('encapsulation overhead', () => {
  it('is the outer headers, counted by hand', () => {
    // ipip: outer IP only. fou: outer IP + UDP (8). vxlan: outer IP + UDP (8) + VXLAN (8) + inner Ethernet (14).
    assert.deepEqual(
      (['ipip', 'fou', 'vxlan'] as const).map((type) => [type, encapsulationOverhead(type, 'IPv4'), encapsulationOverhead(type, 'IPv6')]),
      [
        ['ipip', 20, 40],
        ['fou', 28, 48],
        ['vxlan', 50, 70],
      ],
    );
    assert.equal(tunnelMtu('vxlan', 'IPv6', 1500), 1430);
    assert.equal(tunnelMtu('fou', 'IPv4', 1400), 1372);
  });
});
