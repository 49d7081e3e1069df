import assert from 'node:assert/strict';
import { NamespacedRouteBackend } from '../../src/backends/netlink/netns/namespaced-route-backend.js';
import type { RoutePlan } from '../../src/core/plan/route-plan.js';
import { skipUnlessRoot } from '../lab/root-helpers.js';
import { KernelLab, type KernelLabNode } from './netlink/kernel-lab.js';
import { directRoute, routePlanOf, tunnelRoute, vxlanTunnel } from './netlink/route-plans.js';

/**
 * The netlink backend on this machine's kernel, as root, in namespaces the test makes: node-a
 * and node-b share underlay 192.168.50.0/24 (direct routes), node-c is on 192.168.60.0/24
 * behind a router (VXLAN, every tunnel with the overlay's one VNI as the planner gives it).
 * Each node's backend runs inside its namespace (`NamespacedRouteBackend`: a host process
 * started with `ip netns exec`), so no netlink socket is ever opened in the root namespace.
 */
const PORT = 8080;

function tunnelName(node: KernelLabNode): string {
  return `tun-${node.name}`;
}

function planFor(local: KernelLabNode, nodes: readonly KernelLabNode[]): RoutePlan {
  const routes = [];
  const tunnels = [];
  for (const remote of nodes) {
    if (remote === local) continue;
    if (remote.subnet === local.subnet) {
      routes.push(directRoute(remote.name, remote.podCidr, remote.address));
    } else {
      routes.push(tunnelRoute(remote.name, remote.podCidr, remote.address, tunnelName(remote)));
      tunnels.push(vxlanTunnel(tunnelName(remote), remote.name, local.address, remote.address, 1));
    }
  }
  const masquerade = { sources: [local.podCidr], exceptDestinations: ['10.1.0.0/16', ...nodes.map((node) => `${node.address}/32`)] };
  return routePlanOf(local.name, routes, tunnels, masquerade);
}

describe('netlink route backend on the kernel (root, in network namespaces)', function () {
  this.timeout(30_000);
  let lab: KernelLab;
  let backends: NamespacedRouteBackend[] = [];
  const initial: Record<string, unknown>[] = [];

  const node = (index: number): KernelLabNode => lab.nodes[index] as KernelLabNode;
  const syncAll = (resync = false) => Promise.all(lab.nodes.map((each, index) =>
    (backends[index] as NamespacedRouteBackend).sync(planFor(each, lab.nodes), { resync })));

  before(async function () {
      skipUnlessRoot(this);
      lab = await KernelLab.up([
        { name: 'node-a', subnet: 0, host: 11, podSubnet: 1 },
        { name: 'node-b', subnet: 0, host: 12, podSubnet: 2 },
        { name: 'node-c', subnet: 1, host: 13, podSubnet: 3 },
      ]);
      // Someone else's route: it must outlive every sync, resync and the cleanup.
      await lab.batch(node(0).netns, ['route add 172.20.0.0/16 via 192.168.50.1 proto static']);
      for (const each of lab.nodes) initial.push(await lab.nodeState(each.netns));
      backends = await Promise.all(lab.nodes.map((each) => NamespacedRouteBackend.start(each.netns)));
      await lab.startServers(PORT);
  });

  after(async () => {
    await Promise.all(backends.map((backend) => backend.cleanup().catch(() => undefined)));
    await Promise.all(backends.map((backend) => backend.close()));
    await lab?.down();
  });

  it('lets every pod reach the pods of the other nodes over TCP and UDP: direct in a subnet, VXLAN across the router', async () => {
    assert.deepEqual(await lab.unreachablePairs(PORT), ['node-a -> node-b tcp', 'node-a -> node-b udp', 'node-a -> node-c tcp',
      'node-a -> node-c udp', 'node-b -> node-a tcp', 'node-b -> node-a udp', 'node-b -> node-c tcp', 'node-b -> node-c udp',
      'node-c -> node-a tcp', 'node-c -> node-a udp', 'node-c -> node-b tcp', 'node-c -> node-b udp'], 'nothing routes before the sync');
    const reports = await syncAll();
    assert.ok(reports.every((report) => report.full));
    assert.deepEqual(await lab.unreachablePairs(PORT), []);
  });

  it('reads back direct routes via the underlay and tunnel routes onlink through the shared VXLAN device', async () => {
    const routes = (await lab.ipJson(node(0).netns, ['-4', 'route', 'show', 'proto', '17'])) as Record<string, unknown>[];
    const shape = routes.map(({ dst, gateway, dev, flags }) => ({ dst, gateway, dev, flags }));
    assert.deepEqual(shape, [
      { dst: '10.1.2.0/24', gateway: '192.168.50.12', dev: 'eth0', flags: [] },
      { dst: '10.1.3.0/24', gateway: '192.168.60.13', dev: 'tun-vxlan-v4', flags: ['onlink'] },
    ]);
    const [device] = (await lab.ipJson(node(2).netns, ['-d', 'link', 'show', 'tun-vxlan-v4'])) as { ifalias?: string; linkinfo: { info_data: Record<string, unknown> } }[];
    assert.equal(device?.ifalias, 'kube-router');
    assert.equal(device?.linkinfo.info_data.id, 1);
    const fdb = await lab.exec(node(2).netns, ['bridge', 'fdb', 'show', 'dev', 'tun-vxlan-v4']);
    assert.match(fdb, /dst 192\.168\.50\.11 self permanent/);
    assert.match(fdb, /dst 192\.168\.50\.12 self permanent/);
    const nft = await lab.exec(node(0).netns, ['nft', 'list', 'table', 'inet', 'kube-router-egress']);
    assert.match(nft, /ip saddr @pod-subnets-v4 ip daddr != @keep-source-v4 masquerade/);
  });

  it('syncs an unchanged plan with no kernel operation', async () => {
    await syncAll();
    assert.deepEqual(backends.map((backend) => backend.lastSyncOperations.total), [0, 0, 0]);
  });

  it('brings back a route of ours deleted by hand on the next resync, not before', async () => {
    await lab.batch(node(0).netns, ['route del 10.1.3.0/24 proto 17']);
    assert.equal(await lab.probe(node(0), node(2).podAddress, PORT, 'tcp'), false);
    await syncAll();
    assert.equal(await lab.probe(node(0), node(2).podAddress, PORT, 'tcp'), false, 'a plain sync trusts its memory');
    await syncAll(true);
    assert.equal(await lab.probe(node(0), node(2).podAddress, PORT, 'tcp'), true);
    assert.ok((backends[0]?.lastSyncOperations.netlinkReads ?? 0) > 0);
  });

  it('keeps a route of another protocol through sync and resync', async () => {
    const routes = (await lab.ipJson(node(0).netns, ['-4', 'route', 'show', '172.20.0.0/16'])) as { protocol: string }[];
    assert.deepEqual(routes.map((route) => route.protocol), ['static']);
  });

  it('cleans up to exactly the namespace it found: routes, links, rules and nftables', async () => {
    await Promise.all(backends.map((backend) => backend.cleanup()));
    for (const [index, each] of lab.nodes.entries()) {
      assert.deepEqual(await lab.nodeState(each.netns), initial[index], `${each.name} is as before`);
    }
    assert.deepEqual(await lab.unreachablePairs(PORT).then((failures) => failures.length), 12);
  });
});
