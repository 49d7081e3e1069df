import assert from 'node:assert/strict';
import { NetlinkRouteBackend } from '../../../src/backends/netlink/netlink-route-backend.js';
import { FakeNetlinkPort } from '../../../src/backends/netlink/fake-netlink-port.js';
import { tunnelMac } from '../../../src/backends/netlink/tunnel-links.js';
import { BackendError, ConfigError } from '../../../src/core/errors.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import {
  directRoute,
  manyDirectRoutes,
  routePlanOf,
  tunnelRoute,
  vxlanTunnel,
  withoutRoute,
  withRoute,
  withTunnel,
} from './route-plans.js';

const MASQUERADE = { sources: ['10.1.1.0/24'], exceptDestinations: ['10.1.0.0/16', '192.168.50.11/32'] };

/** Node-a on 192.168.50.11/24: node-b direct on the same subnet, node-c through VXLAN. */
function nodeAPlan() {
  return routePlanOf(
    'node-a',
    [
      directRoute('node-b', '10.1.2.0/24', '192.168.50.12'),
      tunnelRoute('node-c', '10.1.3.0/24', '192.168.60.13', 'tun-c'),
    ],
    [vxlanTunnel('tun-c', 'node-c', '192.168.50.11', '192.168.60.13', 1)],
    MASQUERADE,
  );
}

function fakeNode(): FakeNetlinkPort {
  return new FakeNetlinkPort().addDevice({ name: 'eth0' }).addAddress('eth0', '192.168.50.11/24')
    .addDevice({ name: 'kube-bridge', kind: 'bridge' }).addAddress('kube-bridge', '10.1.1.1/24');
}

function setUp(port = fakeNode()) {
  const runner = new RecordingCommandRunner();
  return { port, runner, backend: new NetlinkRouteBackend(port, runner) };
}

async function ourRoutes(port: FakeNetlinkPort) {
  return (await port.listRoutes({ protocol: 17 })).map(({ destination, gateway, device, onlink }) => ({ destination, gateway, device, onlink }));
}

describe('NetlinkRouteBackend (fake netlink port)', () => {
  it('programs direct and tunnel routes with protocol 17, the VXLAN device, its peer entries and the masquerade', async () => {
    const { port, runner, backend } = setUp();
    const report = await backend.sync(nodeAPlan());
    assert.deepEqual({ full: report.full, changed: report.changed, removed: report.removed }, { full: true, changed: 4, removed: 0 });
    assert.deepEqual(await ourRoutes(port), [
      { destination: '10.1.2.0/24', gateway: '192.168.50.12', device: 'eth0', onlink: undefined },
      { destination: '10.1.3.0/24', gateway: '192.168.60.13', device: 'tun-vxlan-v4', onlink: true },
    ]);
    const link = await port.getLink('tun-vxlan-v4');
    assert.deepEqual(
      { kind: link?.kind, up: link?.up, mtu: link?.mtu, alias: link?.alias, address: link?.address, tunnel: link?.tunnel },
      {
        kind: 'vxlan', up: true, mtu: 1450, alias: 'kube-router', address: tunnelMac('192.168.50.11'),
        tunnel: { kind: 'vxlan', vni: 1, local: '192.168.50.11', port: 4789 },
      },
    );
    assert.deepEqual(await port.listNeighbours('tun-vxlan-v4'), [
      { device: 'tun-vxlan-v4', address: '192.168.60.13', lladdr: tunnelMac('192.168.60.13'), permanent: true },
    ]);
    assert.deepEqual(await port.listFdb('tun-vxlan-v4'), [
      { device: 'tun-vxlan-v4', lladdr: tunnelMac('192.168.60.13'), destination: '192.168.60.13' },
    ]);
    const nft = runner.calls.filter((call) => call.command === 'nft');
    assert.equal(nft.length, 1);
    assert.deepEqual(nft[0]?.args, ['-f', '-']);
    assert.match(nft[0]?.input ?? '', /ip saddr @pod-subnets-v4 ip daddr != @keep-source-v4 masquerade/);
  });

  it('syncs an identical plan with no kernel request and no nft run', async () => {
    const { port, runner, backend } = setUp();
    await backend.sync(nodeAPlan());
    const before = port.requests.length;
    const report = await backend.sync(nodeAPlan());
    assert.deepEqual({ full: report.full, changed: report.changed, unchanged: report.unchanged }, { full: false, changed: 0, unchanged: 4 });
    assert.equal(port.requests.length, before);
    assert.equal(backend.lastSyncOperations.total, 0);
    assert.equal(runner.calls.length, 1);
  });

  it('adds or removes one node of a 1,000-node plan with O(1) kernel operations', async () => {
    const port = new FakeNetlinkPort().addDevice({ name: 'eth0' }).addAddress('eth0', '192.168.0.1/16');
    const { backend } = setUp(port);
    const plan = routePlanOf('node-a', manyDirectRoutes(1000, (i) => `192.168.${i >> 8}.${(i % 250) + 2}`));
    await backend.sync(plan);
    assert.equal(backend.lastSyncOperations.netlinkWrites, 1000);

    const joined = withRoute(plan, directRoute('node-new', '10.200.0.0/24', '192.168.9.9'));
    assertCounts(await backend.sync(joined), { changed: 1, removed: 0, unchanged: 1000 });
    assert.deepEqual(backend.lastSyncOperations, { netlinkReads: 0, netlinkWrites: 1, nftTransactions: 0, total: 1 });

    const left = withoutRoute(joined, '10.64.7.0/24');
    assertCounts(await backend.sync(left), { changed: 0, removed: 1, unchanged: 1000 });
    assert.equal(backend.lastSyncOperations.netlinkWrites, 1);
    assert.equal(backend.lastSyncOperations.netlinkReads, 0);
    assert.equal((await port.listRoutes({ protocol: 17 })).length, 1000);
  });

  it('adds a VXLAN node with three writes on the shared device (same VNI, as the kernel requires) and removes it with three', async () => {
    const { port, backend } = setUp();
    await backend.sync(nodeAPlan());
    const joined = withRoute(nodeAPlan(), tunnelRoute('node-d', '10.1.4.0/24', '192.168.60.14', 'tun-d'),
      vxlanTunnel('tun-d', 'node-d', '192.168.50.11', '192.168.60.14', 1));
    await backend.sync(joined);
    // forwarding entry, neighbour, route
    assert.deepEqual(backend.lastSyncOperations, { netlinkReads: 0, netlinkWrites: 3, nftTransactions: 0, total: 3 });
    assert.deepEqual((await port.listFdb()).map((entry) => entry.destination).sort(), ['192.168.60.13', '192.168.60.14']);
    await backend.sync(withoutRoute(joined, '10.1.4.0/24', 'tun-d'));
    assert.equal(backend.lastSyncOperations.netlinkWrites, 3);
    assert.deepEqual((await port.listFdb()).map((entry) => entry.destination), ['192.168.60.13']);
    await backend.sync(withoutRoute(nodeAPlan(), '10.1.3.0/24', 'tun-c'));
    assert.equal(await port.getLink('tun-vxlan-v4'), undefined, 'the last VXLAN tunnel takes the shared device with it');
  });

  it('creates and removes an IPIP tunnel link per remote node', async () => {
    const { port, backend } = setUp();
    const ipip = { ...vxlanTunnel('tun-e', 'node-e', '192.168.50.11', '192.168.70.15', 1), type: 'ipip' as const, vni: undefined, port: undefined, mtu: 1480 };
    const plan = withRoute(nodeAPlan(), tunnelRoute('node-e', '10.1.5.0/24', '192.168.70.15', 'tun-e'), ipip);
    await backend.sync(plan);
    assert.deepEqual((await port.getLink('tun-e'))?.tunnel, { kind: 'ipip', local: '192.168.50.11', remote: '192.168.70.15' });
    assert.ok((await ourRoutes(port)).some((route) => route.device === 'tun-e' && route.onlink === true));
    await backend.sync(withoutRoute(plan, '10.1.5.0/24', 'tun-e'));
    assert.equal(await port.getLink('tun-e'), undefined);
  });

  it('changes the shared MTU and a peer\'s remote in place, and rebuilds the device (with its routes) for a new VNI', async () => {
    const { port, backend } = setUp();
    await backend.sync(nodeAPlan());
    const index = (await port.getLink('tun-vxlan-v4'))?.index;
    await backend.sync(withTunnel(nodeAPlan(), 'tun-c', (tunnel) => ({ ...tunnel, mtu: 1400 })));
    assert.equal((await port.getLink('tun-vxlan-v4'))?.mtu, 1400);
    assert.equal((await port.getLink('tun-vxlan-v4'))?.index, index);

    const moved = withTunnel(nodeAPlan(), 'tun-c', (tunnel) => ({ ...tunnel, remote: '192.168.60.99' }));
    await backend.sync(moved);
    assert.deepEqual((await port.listFdb()).map((entry) => entry.destination), ['192.168.60.99']);
    assert.deepEqual((await port.listNeighbours()).map((entry) => entry.address), ['192.168.60.99']);

    await backend.sync(withTunnel(moved, 'tun-c', (tunnel) => ({ ...tunnel, vni: 999 })));
    const recreated = await port.getLink('tun-vxlan-v4');
    assert.notEqual(recreated?.index, index);
    assert.equal(recreated?.tunnel?.kind === 'vxlan' && recreated.tunnel.vni, 999);
    assert.ok((await ourRoutes(port)).some((route) => route.device === 'tun-vxlan-v4'), 'the route through the new device is back');
    assert.equal((await port.listFdb()).length, 1);
  });

  it('never touches routes of other protocols: sync, resync and cleanup leave them', async () => {
    const { port, backend } = setUp();
    await port.addRoute({ family: 'IPv4', destination: '172.20.0.0/16', table: 254, protocol: 4, gateway: '192.168.50.1' });
    await backend.sync(nodeAPlan());
    await backend.sync(nodeAPlan(), { resync: true });
    await backend.cleanup();
    const left = (await port.listRoutes()).filter((route) => route.protocol !== 2);
    assert.deepEqual(left.map((route) => [route.destination, route.protocol]), [['172.20.0.0/16', 4]]);
  });

  it('leaves another protocol\'s route in a slot it wants, reports it, and programs the rest', async () => {
    const { port, backend } = setUp();
    await port.addRoute({ family: 'IPv4', destination: '10.1.2.0/24', table: 254, protocol: 4, gateway: '192.168.50.1' });
    await assert.rejects(backend.sync(nodeAPlan()), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.match(error.message, /protocol 4 is in the way/);
      return true;
    });
    const routes = await port.listRoutes({ family: 'IPv4' });
    assert.equal(routes.find((route) => route.destination === '10.1.2.0/24')?.protocol, 4);
    assert.ok(routes.some((route) => route.destination === '10.1.3.0/24' && route.protocol === 17));
    assert.equal((await backend.describe()).plan, undefined);
  });

  it('trusts its memory until resync: a route deleted by hand comes back, a stale one of ours goes', async () => {
    const { port, backend } = setUp();
    await backend.sync(nodeAPlan());
    await port.deleteRoute({ family: 'IPv4', destination: '10.1.2.0/24', table: 254, protocol: 17 });
    await port.addRoute({ family: 'IPv4', destination: '10.9.9.0/24', table: 254, protocol: 17, gateway: '192.168.50.99' });
    await port.changeLink('tun-vxlan-v4', { mtu: 9000 });
    await backend.sync(nodeAPlan());
    assert.equal(backend.lastSyncOperations.netlinkReads, 0);
    assert.ok(!(await ourRoutes(port)).some((route) => route.destination === '10.1.2.0/24'));

    await backend.sync(nodeAPlan(), { resync: true });
    assert.deepEqual((await ourRoutes(port)).map((route) => route.destination).sort(), ['10.1.2.0/24', '10.1.3.0/24']);
    assert.equal((await port.getLink('tun-vxlan-v4'))?.mtu, 1450);
    assert.ok(backend.lastSyncOperations.netlinkReads >= 3);
  });

  it('repairs a tunnel device set down by hand (which drops its routes) and a lost forwarding entry on resync', async () => {
    const { port, backend } = setUp();
    await backend.sync(nodeAPlan());
    await port.changeLink('tun-vxlan-v4', { up: false });
    await port.deleteFdb({ device: 'tun-vxlan-v4', lladdr: tunnelMac('192.168.60.13'), destination: '192.168.60.13' });
    assert.ok(!(await ourRoutes(port)).some((route) => route.device === 'tun-vxlan-v4'));
    await backend.sync(nodeAPlan(), { resync: true });
    assert.equal((await port.getLink('tun-vxlan-v4'))?.up, true);
    assert.ok((await ourRoutes(port)).some((route) => route.device === 'tun-vxlan-v4'));
    assert.equal((await port.listFdb()).length, 1);
  });

  it('rejects a failed sync with a BackendError, keeps the last plan, and converges on the next sync', async () => {
    const { port, backend } = setUp();
    await backend.sync(nodeAPlan());
    const joined = withRoute(nodeAPlan(), directRoute('node-d', '10.1.4.0/24', '192.168.50.14'));
    port.failNext('addRoute', 'ENOBUFS');
    await assert.rejects(backend.sync(joined), (error: unknown) => {
      assert.ok(error instanceof BackendError);
      assert.equal(error.command, 'netlink');
      assert.equal(error.reason, 'ENOBUFS');
      return true;
    });
    assert.equal((await backend.describe()).plan?.routes.has('10.1.4.0/24'), false);
    await backend.sync(joined);
    assert.ok(backend.lastSyncOperations.netlinkReads > 0, 'the sync after a failure reads the kernel back');
    assert.ok((await ourRoutes(port)).some((route) => route.destination === '10.1.4.0/24'));
  });

  it('cleans up its routes, its tunnels (also after a restart) and its nft table, and nothing else', async () => {
    const port = fakeNode();
    const first = setUp(port).backend;
    await first.sync(nodeAPlan());
    await port.addLink({ name: 'tun-foreign', up: true, tunnel: { kind: 'ipip', local: '192.168.50.11', remote: '192.168.70.1' } });
    const restarted = setUp(port);
    await restarted.backend.cleanup();
    assert.deepEqual(await port.listRoutes({ protocol: 17 }), []);
    assert.deepEqual((await port.listLinks()).map((link) => link.name), ['lo', 'eth0', 'kube-bridge', 'tun-foreign']);
    assert.match(restarted.runner.calls[0]?.input ?? '', /^add table inet kube-router-egress\ndelete table inet kube-router-egress\n$/);
    assert.equal((await restarted.backend.describe()).plan, undefined);
  });

  it('refuses a tunnel name it would not own, and a protocol that is the kernel\'s', async () => {
    const { backend } = setUp();
    const plan = routePlanOf('node-a', [], [vxlanTunnel('vxlan0', 'node-c', '192.168.50.11', '192.168.60.13', 1)]);
    await assert.rejects(backend.sync(plan), /name must start with tun-/);
    assert.throws(() => new NetlinkRouteBackend(new FakeNetlinkPort(), new RecordingCommandRunner(), { protocol: 2 }), ConfigError);
  });

  it('removes the masquerade table when the plan drops it, in one nft transaction', async () => {
    const { runner, backend } = setUp();
    await backend.sync(nodeAPlan());
    const report = await backend.sync({ ...nodeAPlan(), masquerade: undefined });
    assert.equal(report.removed, 1);
    assert.equal(runner.calls.length, 2);
    assert.match(runner.calls[1]?.input ?? '', /^add table inet kube-router-egress\ndelete table inet kube-router-egress\n$/);
  });

  it('describes routes by kind, tunnels, ownership and the last sync\'s operations', async () => {
    const { backend } = setUp();
    await backend.sync(nodeAPlan());
    const state = await backend.describe();
    assert.equal(state.backend, 'netlink');
    assert.equal(state.summary[0], '2 routes (1 direct, 1 tunnel), 1 tunnel');
    assert.equal(state.summary[1], 'routes marked proto 17 in table 254');
    assert.match(state.summary.at(-1) ?? '', /^last sync: \d+ kernel operations/);
  });
});

function assertCounts(report: { changed: number; removed: number; unchanged: number }, expected: { changed: number; removed: number; unchanged: number }): void {
  assert.deepEqual({ changed: report.changed, removed: report.removed, unchanged: report.unchanged }, expected);
}
