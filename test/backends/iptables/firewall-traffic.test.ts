import assert from 'node:assert/strict';
import { after, before, describe, it } from 'mocha';
import { IptablesFirewallBackend } from '../../../src/backends/iptables/index.js';
import type { PolicyPlan } from '../../../src/core/plan/firewall-plan.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { skipUnlessRoot } from '../../lab/root-helpers.js';
import { FirewallLab, removeFirewallLabLeftovers } from './firewall-lab.js';
import { planOf, podOf, podSet } from './firewall-plan-builder.js';

// Pods a, b on node 0 (10.1.1.5, .6); c, d on node 1 (10.1.2.5, .6). Expectations follow
// NetworkPolicy semantics as the FirewallPlan documents them, checked with real TCP/UDP.
const B = podSet('pods b', ['10.1.1.6']);
const C = podSet('pods c (declares http=8080)', ['10.1.2.5']);
const BLOCK = { id: 'block', kind: 'cidrs', family: 'IPv4', cidr: '10.1.0.0/16', except: ['10.1.1.6/32'] } as const;
const denyA: PolicyPlan = { key: 'ns/deny-a', policyTypes: ['Ingress'], ingress: [], egress: [] };
const allowA: PolicyPlan = {
  key: 'ns/allow-a',
  policyTypes: ['Ingress'],
  ingress: [
    { peers: { any: false, sets: [B.id] }, ports: [{ protocol: 'TCP', port: 80 }] },
    { peers: { any: false, sets: [BLOCK.id] }, ports: [{ protocol: 'TCP', port: 8080 }] },
  ],
  egress: [],
};
const egressB: PolicyPlan = {
  key: 'ns/egress-b',
  policyTypes: ['Egress'],
  ingress: [],
  egress: [
    { peers: { any: true }, ports: [{ protocol: 'TCP', port: 8080, podSets: [C.id] }] },
    { peers: { any: true }, ports: [{ protocol: 'UDP', port: 53 }] },
  ],
};

describe('IptablesFirewallBackend: real traffic between namespaces (root)', function () {
  this.timeout(90_000);
  let lab: FirewallLab | undefined;
  let backend: IptablesFirewallBackend;

  before(async function () {
    skipUnlessRoot(this);
    await removeFirewallLabLeftovers(new ExecCommandRunner(10_000));
    lab = await FirewallLab.up([
      { name: 'a', node: 0, host: 5 },
      { name: 'b', node: 0, host: 6 },
      { name: 'c', node: 1, host: 5 },
      { name: 'd', node: 1, host: 6 },
    ]);
    await lab.serve([80, 8080, 53]);
    backend = new IptablesFirewallBackend(lab.nodeRunner(0));
  });
  after(async () => {
    await lab?.down();
  });
  const reach = (from: string, to: string, port: number, protocol: 'tcp' | 'udp' = 'tcp'): Promise<boolean> =>
    (lab as FirewallLab).reaches(from, to, port, protocol);
  const reach6 = (from: string, to: string, port: number, protocol: 'tcp' | 'udp' = 'tcp'): Promise<boolean> =>
    (lab as FirewallLab).reaches(from, to, port, protocol, 'IPv6');

  it('reaches everything before any policy', async () => {
    await backend.sync(planOf({ pods: [podOf('ns/a', '10.1.1.5'), podOf('ns/b', '10.1.1.6')] }));
    assert.deepEqual(await Promise.all([reach('b', 'a', 80), reach('c', 'a', 80), reach('b', 'c', 80, 'udp')]), [true, true, true]);
  });

  it('default deny ingress: same-node and cross-node pods refused (TCP and UDP), the node allowed, a pod unaffected', async () => {
    await backend.sync(planOf({ pods: [podOf('ns/a', '10.1.1.5', [denyA.key]), podOf('ns/b', '10.1.1.6')], policies: [denyA] }));
    assert.equal(await reach('b', 'a', 80), false, 'same node');
    assert.equal(await reach('c', 'a', 80), false, 'other node');
    assert.equal(await reach('b', 'a', 53, 'udp'), false, 'udp');
    assert.equal(await reach('node:0', 'a', 80), true, 'node to pod');
    assert.equal(await reach('a', 'b', 80), true, 'a is isolated for ingress only');
  });

  it('allows from a pod selector on one port and from an ipBlock minus its except on another', async () => {
    await backend.sync(planOf({ pods: [podOf('ns/a', '10.1.1.5', [allowA.key]), podOf('ns/b', '10.1.1.6')], policies: [allowA], peerSets: [B, BLOCK] }));
    assert.equal(await reach('b', 'a', 80), true, 'b selected, port 80');
    assert.equal(await reach('c', 'a', 80), false, 'c not selected for 80');
    assert.equal(await reach('c', 'a', 8080), true, 'c inside the block');
    assert.equal(await reach('b', 'a', 8080), false, 'b is the except');
  });

  const withEgress = (bSet = B) => planOf({
    pods: [podOf('ns/a', '10.1.1.5', [allowA.key]), podOf('ns/b', '10.1.1.6', [], [egressB.key])],
    policies: [allowA, egressB],
    peerSets: [bSet, BLOCK, C],
  });

  it('egress: a named port only to the pods declaring it, UDP allowed, the rest denied', async () => {
    await backend.sync(withEgress());
    assert.equal(await reach('b', 'c', 8080), true, 'c declares the named port');
    assert.equal(await reach('b', 'd', 8080), false, 'd does not');
    assert.equal(await reach('b', 'c', 80), false, 'egress deny');
    assert.equal(await reach('b', 'c', 53, 'udp'), true, 'udp 53');
    assert.equal(await reach('b', 'c', 53, 'tcp'), false, 'tcp 53');
    assert.equal(await reach('b', 'a', 80), false, 'a would let b in on 80, but no egress rule of b allows it');
  });

  it('a relabelled pod leaving a peer set loses access with one member deleted', async () => {
    // Without b's egress policy, so that only a's ingress decides.
    await backend.sync(planOf({ pods: [podOf('ns/a', '10.1.1.5', [allowA.key]), podOf('ns/b', '10.1.1.6')], policies: [allowA], peerSets: [B, BLOCK] }));
    assert.equal(await reach('b', 'a', 80), true);
    const report = await backend.sync(planOf({ pods: [podOf('ns/a', '10.1.1.5', [allowA.key]), podOf('ns/b', '10.1.1.6')], policies: [allowA], peerSets: [podSet(B.id, []), BLOCK] }));
    assert.equal(report.changed, 1);
    assert.equal(await reach('b', 'a', 80), false);
  });

  it('IPv6: default deny ingress refuses a same-node and a cross-node pod, allows the node, and an inet6 set lets one pod in', async () => {
    const a6 = { pod: 'ns/a', ips: [{ ip: '10.1.1.5', family: 'IPv4' as const }, { ip: 'fd00:1::5', family: 'IPv6' as const }], ingressPolicies: [denyA.key], egressPolicies: [] };
    await backend.sync(planOf({ pods: [a6], policies: [denyA] }));
    assert.equal(await reach6('b', 'a', 80), false, 'same node');
    assert.equal(await reach6('c', 'a', 80), false, 'other node');
    assert.equal(await reach6('node:0', 'a', 80), true, 'node to pod');
    const allowC6: PolicyPlan = { ...allowA, ingress: [{ peers: { any: false, sets: ['c6'] }, ports: [{ protocol: 'UDP', port: 53 }] }] };
    await backend.sync(planOf({ pods: [{ ...a6, ingressPolicies: [allowC6.key] }], policies: [allowC6], peerSets: [podSet('c6', ['fd00:2::5'])] }));
    assert.equal(await reach6('c', 'a', 53, 'udp'), true, 'c in the inet6 set');
    assert.equal(await reach6('d', 'a', 53, 'udp'), false, 'd is not');
  });

  it('cleanup lets all traffic through again', async () => {
    await backend.cleanup();
    assert.equal(await reach('b', 'a', 80), true);
    assert.equal(await reach('b', 'c', 80), true);
    assert.equal(await reach6('b', 'a', 80), true);
  });
});
