import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { planTopology, podPorts } from '../../src/lab/topology.js';
import { labNamespaces, planIpStages } from '../../src/lab/ip-batches.js';
import { LabConfigError } from '../../src/lab/errors.js';
import { fakeSnapshot, makeNode, makePod } from './fake-snapshot.js';

const nodeA = makeNode('a', ['192.168.10.11'], ['10.244.1.0/24']);
const nodeB = makeNode('b', ['192.168.10.12'], ['10.244.2.0/24']);
const nodeC = makeNode('c', ['192.168.20.13'], ['10.244.3.0/24']);

describe('lab topology', () => {
  it('puts nodes of one /24 on one underlay with no router, and the client at .250', () => {
    const topology = planTopology(fakeSnapshot([nodeA, nodeB], []), 'r1');
    assert.equal(topology.underlays.length, 1);
    assert.deepEqual(topology.underlays[0]?.subnets, ['192.168.10.0/24']);
    assert.deepEqual(topology.underlays[0]?.nodes, ['a', 'b']);
    assert.equal(topology.router, undefined);
    assert.equal(topology.client.address, '192.168.10.250/24');
    assert.deepEqual(topology.client.gateways, []);
    assert.deepEqual(topology.nodes[0]?.underlayAddresses, ['192.168.10.11/24']);
    assert.deepEqual(topology.nodes[0]?.bridgeAddresses, ['10.244.1.1/24']);
    assert.deepEqual(topology.nodes[0]?.gateways, []);
  });

  it('joins two subnets through a router at .254 of each, the default gateway of their nodes', () => {
    const topology = planTopology(fakeSnapshot([nodeA, nodeB, nodeC], []), 'r1');
    assert.equal(topology.underlays.length, 2);
    assert.deepEqual(topology.underlays.map((underlay) => underlay.nodes), [['a', 'b'], ['c']]);
    assert.deepEqual(topology.router?.legs.map((leg) => leg.addresses), [['192.168.10.254/24'], ['192.168.20.254/24']]);
    assert.deepEqual(topology.nodes.map((node) => node.gateways), [['192.168.10.254'], ['192.168.10.254'], ['192.168.20.254']]);
    assert.deepEqual(topology.client.gateways, ['192.168.10.254']);
  });

  it('skips addresses that nodes already use for the router and the client', () => {
    const at254 = makeNode('a1', ['192.168.10.254'], ['10.244.4.0/24']);
    const at250 = makeNode('a2', ['192.168.10.250'], ['10.244.5.0/24']);
    const topology = planTopology(fakeSnapshot([at254, at250, nodeC], []), 'r1');
    assert.deepEqual(topology.router?.legs[0]?.addresses, ['192.168.10.253/24']);
    assert.equal(topology.client.ip, '192.168.10.249');
  });

  it('groups by explicit subnets before the default prefix', () => {
    const topology = planTopology(fakeSnapshot([nodeA, nodeC], []), 'r1', { underlaySubnets: ['192.168.0.0/16'] });
    assert.equal(topology.underlays.length, 1);
    assert.deepEqual(topology.underlays[0]?.subnets, ['192.168.0.0/16']);
    assert.deepEqual(topology.nodes[1]?.underlayAddresses, ['192.168.20.13/16']);
  });

  it('groups by a wider underlayPrefix', () => {
    const topology = planTopology(fakeSnapshot([nodeA, nodeC], []), 'r1', { underlayPrefix: 16 });
    assert.equal(topology.underlays.length, 1);
    assert.equal(topology.client.ip, '192.168.255.250');
  });

  it('gives each pod its IP with the pod CIDR prefix and kube-bridge as gateway', () => {
    const pods = [makePod('default/web', 'a', ['10.244.1.10'])];
    const [pod] = planTopology(fakeSnapshot([nodeA], pods), 'r1').pods;
    assert.deepEqual(pod?.addresses, ['10.244.1.10/24']);
    assert.deepEqual(pod?.gateways, ['10.244.1.1']);
    assert.equal(pod?.hostInterface, 'veth0');
    assert.equal(pod?.netns, 'krlab-r1-p0-default.web');
  });

  it('gives a pod IP outside the pod CIDR a host prefix', () => {
    const [pod] = planTopology(fakeSnapshot([nodeA], [makePod('default/odd', 'a', ['10.9.9.9'])]), 'r1').pods;
    assert.deepEqual(pod?.addresses, ['10.9.9.9/32']);
    assert.deepEqual(pod?.gateways, ['10.244.1.1']);
  });

  it('adds IPv6 to the bridge, the pod and the underlay of a dual-stack node', () => {
    const dual = makeNode('d', ['192.168.10.20', 'fd00:10::20'], ['10.244.9.0/24', 'fd00:244:9::/64']);
    const topology = planTopology(fakeSnapshot([dual], [makePod('default/v6', 'd', ['10.244.9.5', 'fd00:244:9::5'])]), 'r1');
    assert.deepEqual(topology.nodes[0]?.bridgeAddresses, ['10.244.9.1/24', 'fd00:244:9::1/64']);
    assert.deepEqual(topology.nodes[0]?.underlayAddresses, ['192.168.10.20/24', 'fd00:10::20/64']);
    assert.deepEqual(topology.underlays[0]?.subnets, ['192.168.10.0/24', 'fd00:10::/64']);
    assert.deepEqual(topology.pods[0]?.addresses, ['10.244.9.5/24', 'fd00:244:9::5/64']);
    assert.deepEqual(topology.pods[0]?.gateways, ['10.244.9.1', 'fd00:244:9::1']);
  });

  it('runs hostNetwork pods in their node namespace on the node IP', () => {
    const pods = [makePod('kube-system/agent', 'a', ['192.168.10.11'], [], { hostNetwork: true })];
    const topology = planTopology(fakeSnapshot([nodeA], pods), 'r1');
    assert.equal(topology.pods[0]?.netns, topology.nodes[0]?.netns);
    assert.deepEqual(topology.pods[0]?.ips, ['192.168.10.11']);
    assert.equal(topology.pods[0]?.hostInterface, undefined);
    assert.ok(!labNamespaces(topology).includes('krlab-r1-p0-kube-system.agent'));
  });

  it('skips pods it cannot build and says why', () => {
    const pods = [
      makePod('default/pending', undefined, []),
      makePod('default/elsewhere', 'zz', ['10.244.7.3']),
      makePod('default/done', 'a', ['10.244.1.3'], [], { phase: 'Succeeded' }),
      makePod('default/noip', 'a', []),
      makePod('default/bridge', 'a', ['10.244.1.1']),
    ];
    const topology = planTopology(fakeSnapshot([nodeA], pods), 'r1');
    assert.equal(topology.pods.length, 0);
    const reasons = Object.fromEntries(topology.skipped.map((skip) => [skip.key, skip.reason]));
    assert.equal(reasons['default/pending'], 'not scheduled to a node');
    assert.equal(reasons['default/elsewhere'], 'node zz is not in the snapshot');
    assert.equal(reasons['default/done'], 'phase Succeeded: no network');
    assert.equal(reasons['default/noip'], 'no pod IP');
    assert.equal(reasons['default/bridge'], 'pod IP 10.244.1.1 is the kube-bridge address of node a');
  });

  it('refuses nodes without an IPv4 InternalIP or pod CIDR, naming each', () => {
    const bad1 = makeNode('v6only', ['fd00::1'], ['10.244.1.0/24']);
    const bad2 = makeNode('nocidr', ['192.168.10.5'], []);
    assert.throws(() => planTopology(fakeSnapshot([bad1, bad2], []), 'r1'), (error: unknown) => {
      assert.ok(error instanceof LabConfigError);
      assert.deepEqual(error.reasons, ['node nocidr has no IPv4 pod CIDR', 'node v6only has no IPv4 InternalIP']);
      return true;
    });
  });

  it('serves declared TCP and UDP ports, and 80 on both when none are declared', () => {
    assert.deepEqual(podPorts(makePod('d/p', 'a', [], [
      { containerPort: 53, protocol: 'UDP' }, { containerPort: 53, protocol: 'TCP' },
      { containerPort: 53, protocol: 'UDP' }, { containerPort: 9, protocol: 'SCTP' },
    ])), [{ port: 53, protocol: 'udp' }, { port: 53, protocol: 'tcp' }]);
    assert.deepEqual(podPorts(makePod('d/p', 'a', [])), [{ port: 80, protocol: 'tcp' }, { port: 80, protocol: 'udp' }]);
  });
});

describe('lab ip batches', () => {
  const topology = planTopology(fakeSnapshot([nodeA, nodeB, nodeC], [
    makePod('default/one', 'a', ['10.244.1.10']),
    makePod('default/two', 'c', ['10.244.3.10']),
  ]), 'r1');
  const stages = planIpStages(topology);

  it('runs every batch inside a lab namespace, and creates every veth peer inside one', () => {
    const namespaces = new Set(labNamespaces(topology));
    for (const batch of stages.flat()) {
      assert.ok(namespaces.has(batch.netns), batch.netns);
      for (const line of batch.lines.filter((candidate) => candidate.includes('type veth'))) {
        const peerNetns = /netns (\S+)$/.exec(line)?.[1];
        assert.ok(peerNetns !== undefined && namespaces.has(peerNetns), line);
      }
    }
  });

  it('creates underlay bridges before nodes configure their uplinks, and pods last', () => {
    assert.deepEqual(stages.map((stage) => stage.map((batch) => batch.netns.split('-')[2])), [
      ['u0', 'u1'],
      ['n0', 'n1', 'n2', 'router', 'client'],
      ['p0', 'p1'],
    ]);
    const node = stages[1]?.[0];
    assert.ok(node?.lines.includes('link add veth0 type veth peer name eth0 netns krlab-r1-p0-default.one'));
    assert.ok(node?.lines.includes('route add 0.0.0.0/0 via 192.168.10.254 dev eth0'));
    assert.deepEqual(stages[2]?.[0]?.lines, [
      'link set lo up',
      'address add 10.244.1.10/24 dev eth0',
      'link set eth0 up',
      'route add 0.0.0.0/0 via 10.244.1.1 dev eth0 onlink',
    ]);
  });
});
