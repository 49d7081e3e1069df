import assert from 'node:assert/strict';
import { NftablesFirewallBackend } from '../../../src/backends/nftables/firewall/nftables-firewall-backend.js';
import type { FirewallPlan, PeerSet, PodFirewall, PolicyPlan } from '../../../src/core/plan/firewall-plan.js';
import { fragmentMapOf } from '../../../src/core/plan/fragment-map.js';
import { NetnsCommandRunner } from '../../../src/exec/netns-command-runner.js';
import { skipUnlessRoot } from '../../lab/root-helpers.js';
import { FirewallLab } from './firewall-lab.js';

/**
 * Real traffic through the nftables firewall: pods a, b, c on node 0 (10.1.1.5-7, fd00:1::5-7), d
 * on node 1 (10.1.2.5, fd00:2::5), bridged pods seen by the inet forward hook through br_netfilter. Each case syncs a
 * hand-written plan and probes; the expectations follow NetworkPolicy semantics, worked out by
 * hand for each case.
 */
describe('NftablesFirewallBackend with real traffic in namespaces (root)', function () {
  this.timeout(120_000);
  let lab: FirewallLab;
  let backends: NftablesFirewallBackend[] = [];
  const A = '10.1.1.5';
  const B = '10.1.1.6';
  const C = '10.1.1.7';
  const D = '10.1.2.5';

  before(async function () {
    skipUnlessRoot(this);
    lab = await FirewallLab.up([
      { name: 'a', node: 0 },
      { name: 'b', node: 0 },
      { name: 'c', node: 0 },
      { name: 'd', node: 1 },
    ]);
    await lab.startServers([80, 8080]);
    backends = lab.nodes.map((netns) => new NftablesFirewallBackend(new NetnsCommandRunner(lab.runner, netns)));
  });
  after(async () => {
    for (const backend of backends) await backend.cleanup().catch(() => undefined);
    await lab?.down();
  });

  const pods = (node: 0 | 1, isolation: Record<string, { ingress?: string[]; egress?: string[] }>): PodFirewall[] =>
    lab.pods
      .filter((pod) => pod.node === node)
      .map((pod) => ({ pod: `ns/${pod.name}`, ips: [{ ip: pod.ip, family: 'IPv4' as const }], ingressPolicies: isolation[pod.name]?.ingress ?? [], egressPolicies: isolation[pod.name]?.egress ?? [] }));
  const plan = (node: 0 | 1, podList: PodFirewall[], policies: PolicyPlan[], sets: PeerSet[]): FirewallPlan => ({
    node: `node-${node}`,
    nodeAddresses: [{ ip: lab.nodeAddresses[node], family: 'IPv4' }],
    pods: fragmentMapOf(podList, (pod) => pod.pod),
    policies: fragmentMapOf(policies, (policy) => policy.key),
    peerSets: fragmentMapOf(sets, (set) => set.id),
  });
  const podSet = (id: string, addresses: string[]): PeerSet => ({ id, kind: 'pods', family: 'IPv4', addresses });
  const ingress = (key: string, rules: PolicyPlan['ingress']): PolicyPlan => ({ key, policyTypes: ['Ingress'], ingress: rules, egress: [] });

  /** Probes `cases` (`from>to:port/proto`) all at once; returns which reached. */
  async function probe(cases: string[]): Promise<Record<string, boolean>> {
    const results = await Promise.all(
      cases.map(async (text) => {
        const [, from, to, port, protocol] = /^(\w+)>(\w+):(\d+)(?:\/(udp))?$/.exec(text) ?? [];
        const source = from === 'node0' ? lab.nodes[0]! : lab.pod(from!).netns;
        return [text, await lab.reaches(source, lab.pod(to!).ip, Number(port), protocol === 'udp' ? 'udp' : 'tcp')] as const;
      }),
    );
    return Object.fromEntries(results);
  }

  it('reaches everything with no policy (the lab works, across nodes too)', async () => {
    await backends[0]!.sync(plan(0, pods(0, {}), [], []));
    assert.deepEqual(await probe(['b>a:80', 'd>a:80', 'a>d:80', 'b>a:80/udp']), { 'b>a:80': true, 'd>a:80': true, 'a>d:80': true, 'b>a:80/udp': true });
  });

  it('default deny ingress: nothing reaches a but its own node; c stays open', async () => {
    await backends[0]!.sync(plan(0, pods(0, { a: { ingress: ['ns/deny'] } }), [ingress('ns/deny', [])], []));
    assert.deepEqual(await probe(['b>a:80', 'd>a:80', 'b>a:80/udp', 'node0>a:80', 'b>c:80', 'a>b:80']), {
      'b>a:80': false,
      'd>a:80': false,
      'b>a:80/udp': false,
      'node0>a:80': true,
      'b>c:80': true,
      'a>b:80': true,
    });
  });

  it('allow from a pod selector on TCP 80 only', async () => {
    const policy = ingress('ns/allow-b', [{ peers: { any: false, sets: ['sel-b'] }, ports: [{ protocol: 'TCP', port: 80 }] }]);
    await backends[0]!.sync(plan(0, pods(0, { a: { ingress: ['ns/allow-b'] } }), [policy], [podSet('sel-b', [B])]));
    assert.deepEqual(await probe(['b>a:80', 'b>a:8080', 'c>a:80', 'b>a:80/udp']), { 'b>a:80': true, 'b>a:8080': false, 'c>a:80': false, 'b>a:80/udp': false });
  });

  it('a relabel moves b out of and c into the selector with element changes only', async () => {
    const policy = ingress('ns/allow-b', [{ peers: { any: false, sets: ['sel-b'] }, ports: [{ protocol: 'TCP', port: 80 }] }]);
    await backends[0]!.sync(plan(0, pods(0, { a: { ingress: ['ns/allow-b'] } }), [policy], [podSet('sel-b', [C])]));
    assert.deepEqual(await probe(['b>a:80', 'c>a:80']), { 'b>a:80': false, 'c>a:80': true });
    assert.match((await backends[0]!.describe()).summary[1] ?? '', /last transaction: 2 lines/);
  });

  it('ipBlock with except: 10.1.0.0/16 except 10.1.1.7/32, on both nodes', async () => {
    const block: PeerSet = { id: 'block', kind: 'cidrs', family: 'IPv4', cidr: '10.1.0.0/16', except: ['10.1.1.7/32'] };
    const policy = ingress('ns/block', [{ peers: { any: false, sets: ['block'] }, ports: [] }]);
    await backends[0]!.sync(plan(0, pods(0, { a: { ingress: ['ns/block'] } }), [policy], [block]));
    assert.deepEqual(await probe(['b>a:80', 'c>a:80', 'd>a:8080', 'd>a:80/udp']), { 'b>a:80': true, 'c>a:80': false, 'd>a:8080': true, 'd>a:80/udp': true });
  });

  it('a named port means 8080 only on the pods declaring it (a), not on c', async () => {
    const policy = ingress('ns/named', [{ peers: { any: true }, ports: [{ protocol: 'TCP', port: 8080, podSets: ['declares-http'] }] }]);
    const isolation = { a: { ingress: ['ns/named'] }, c: { ingress: ['ns/named'] } };
    await backends[0]!.sync(plan(0, pods(0, isolation), [policy], [podSet('declares-http', [A])]));
    assert.deepEqual(await probe(['b>a:8080', 'b>c:8080', 'b>a:80', 'd>a:8080']), { 'b>a:8080': true, 'b>c:8080': false, 'b>a:80': false, 'd>a:8080': true });
  });

  it('egress deny on a: a reaches nobody, replies to connections to a still flow', async () => {
    const deny: PolicyPlan = { key: 'ns/no-egress', policyTypes: ['Egress'], ingress: [], egress: [] };
    await backends[0]!.sync(plan(0, pods(0, { a: { egress: ['ns/no-egress'] } }), [deny], []));
    assert.deepEqual(await probe(['a>b:80', 'a>d:80', 'a>b:80/udp', 'b>a:80', 'd>a:80/udp']), {
      'a>b:80': false,
      'a>d:80': false,
      'a>b:80/udp': false,
      'b>a:80': true,
      'd>a:80/udp': true,
    });
  });

  it('UDP only: an egress allow to d on UDP 80, enforced on the source node; d ingress on its own node', async () => {
    const egress: PolicyPlan = { key: 'ns/udp-out', policyTypes: ['Egress'], ingress: [], egress: [{ peers: { any: false, sets: ['sel-d'] }, ports: [{ protocol: 'UDP', port: 80 }] }] };
    await backends[0]!.sync(plan(0, pods(0, { a: { egress: ['ns/udp-out'] } }), [egress], [podSet('sel-d', [D])]));
    // d admits only a, on any port: b is refused by node 1's ingress check.
    const dIngress = ingress('ns/from-a', [{ peers: { any: false, sets: ['sel-a'] }, ports: [] }]);
    await backends[1]!.sync(plan(1, pods(1, { d: { ingress: ['ns/from-a'] } }), [dIngress], [podSet('sel-a', [A])]));
    assert.deepEqual(await probe(['a>d:80/udp', 'a>d:80', 'a>b:80/udp', 'b>d:80/udp', 'b>d:80']), {
      'a>d:80/udp': true,
      'a>d:80': false,
      'a>b:80/udp': false,
      'b>d:80/udp': false,
      'b>d:80': false,
    });
  });

  it('IPv6: default deny refuses a same-node and a cross-node pod, the node gets in, then an ip6 set lets d in on UDP 80 only', async () => {
    const dualStack = (isolation: Record<string, string[]>): PodFirewall[] =>
      lab.pods
        .filter((pod) => pod.node === 0)
        .map((pod) => ({
          pod: `ns/${pod.name}`,
          ips: [{ ip: pod.ip, family: 'IPv4' as const }, { ip: pod.ip6, family: 'IPv6' as const }],
          ingressPolicies: isolation[pod.name] ?? [],
          egressPolicies: [],
        }));
    const plan6 = (podList: PodFirewall[], policies: PolicyPlan[], sets: PeerSet[]): FirewallPlan => ({
      ...plan(0, podList, policies, sets),
      nodeAddresses: [{ ip: lab.nodeAddresses[0], family: 'IPv4' }, { ip: lab.nodeAddresses6[0], family: 'IPv6' }],
    });
    const probe6 = async (cases: string[]): Promise<Record<string, boolean>> =>
      Object.fromEntries(
        await Promise.all(
          cases.map(async (text) => {
            const [, from, to, port, protocol] = /^(\w+)>(\w+):(\d+)(?:\/(udp))?$/.exec(text) ?? [];
            const source = from === 'node0' ? lab.nodes[0]! : lab.pod(from!).netns;
            return [text, await lab.reaches(source, lab.pod(to!).ip6, Number(port), protocol === 'udp' ? 'udp' : 'tcp')] as const;
          }),
        ),
      );
    await backends[1]!.cleanup();
    await backends[0]!.sync(plan6(dualStack({ a: ['ns/deny'] }), [ingress('ns/deny', [])], []));
    assert.deepEqual(await probe6(['b>a:80', 'd>a:80', 'd>a:80/udp', 'node0>a:80', 'b>c:80']), {
      'b>a:80': false,
      'd>a:80': false,
      'd>a:80/udp': false,
      'node0>a:80': true,
      'b>c:80': true,
    });
    const fromD6 = ingress('ns/from-d6', [{ peers: { any: false, sets: ['d6'] }, ports: [{ protocol: 'UDP', port: 80 }] }]);
    const d6: PeerSet = { id: 'd6', kind: 'pods', family: 'IPv6', addresses: [lab.pod('d').ip6] };
    await backends[0]!.sync(plan6(dualStack({ a: ['ns/from-d6'] }), [fromD6], [d6]));
    assert.deepEqual(await probe6(['d>a:80/udp', 'd>a:80', 'b>a:80/udp', 'c>a:80/udp']), { 'd>a:80/udp': true, 'd>a:80': false, 'b>a:80/udp': false, 'c>a:80/udp': false });
    // The set is IPv6 only: d's IPv4 address is no member.
    assert.equal(await lab.reaches(lab.pod('d').netns, lab.pod('a').ip, 80, 'udp'), false);
  });

  it('cleanup opens everything again', async () => {
    for (const backend of backends) await backend.cleanup();
    assert.deepEqual(await probe(['a>d:80', 'b>a:80', 'b>d:80/udp']), { 'a>d:80': true, 'b>a:80': true, 'b>d:80/udp': true });
    assert.equal(await lab.reaches(lab.pod('d').netns, lab.pod('a').ip6, 80), true, 'IPv6 too');
  });
});
