import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { IptablesFirewallBackend, podChain, policyChain, peerSetName } from '../../../src/backends/iptables/index.js';
import { podChainFragment, policyChainFragment } from '../../../src/backends/iptables/firewall/chain-render.js';
import { BackendError } from '../../../src/core/errors.js';
import { RecordingCommandRunner, type RecordedCommand } from '../../../src/exec/recording-command-runner.js';
import { FIREWALL_SET_IDS, firewallParts, firewallPlan, firewallPlanWith } from '../contract/fixtures/firewall-plans.js';

const lines = (call: RecordedCommand): string[] => (call.input ?? '').trimEnd().split('\n');
const writes = (runner: RecordingCommandRunner): RecordedCommand[] => runner.calls.filter((call) => call.input !== undefined);

async function synced(): Promise<{ runner: RecordingCommandRunner; backend: IptablesFirewallBackend }> {
  const runner = new RecordingCommandRunner();
  const backend = new IptablesFirewallBackend(runner);
  await backend.sync(firewallPlan());
  runner.calls.length = 0;
  return { runner, backend };
}

describe('IptablesFirewallBackend rendering (golden, checked by hand against the FirewallPlan semantics)', () => {
  it('renders a pod ingress chain: replies, invalid, node, itself, its policy, then log, reject, marks', () => {
    const plan = firewallPlan();
    const pod = plan.pods.get('default/web-1');
    assert.ok(pod);
    const chain = podChain('default/web-1', 'ingress');
    assert.deepEqual(podChainFragment(pod, 'ingress', plan, 'IPv4').rules, [
      `-A ${chain} -m comment --comment "ingress_of_default/web-1" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `-A ${chain} -m conntrack --ctstate INVALID -j DROP`,
      `-A ${chain} -m set --match-set KR-FW-NODE-IPV4 src -j ACCEPT`,
      `-A ${chain} -m addrtype --src-type LOCAL -j ACCEPT`,
      `-A ${chain} -s 10.1.1.5/32 -j ACCEPT`,
      `-A ${chain} -j ${policyChain('default/web-allow-frontend', 'ingress')}`,
      `-A ${chain} -m mark ! --mark 0x10000/0x10000 -m limit --limit 10/minute --limit-burst 10 -j NFLOG --nflog-group 100`,
      `-A ${chain} -m mark ! --mark 0x10000/0x10000 -j REJECT`,
      `-A ${chain} -j MARK --set-xmark 0x0/0x10000`,
      `-A ${chain} -j MARK --set-xmark 0x20000/0x20000`,
    ]);
  });

  it('renders an egress policy chain: one mark rule per peer set and port, a return after each rule', () => {
    const plan = firewallPlan();
    const policy = plan.policies.get('shop/api-egress');
    assert.ok(policy);
    const chain = policyChain('shop/api-egress', 'egress');
    const dns = peerSetName({ id: FIREWALL_SET_IDS.DNS, kind: 'pods', family: 'IPv4' });
    const db = peerSetName({ id: FIREWALL_SET_IDS.DATABASES, kind: 'cidrs', family: 'IPv4' });
    assert.deepEqual(policyChainFragment(policy, 'egress', plan, 'IPv4', { count: 0 }).rules, [
      `-A ${chain} -m set --match-set ${dns} dst -p tcp -m tcp --dport 53 -j MARK --set-xmark 0x10000/0x10000`,
      `-A ${chain} -m set --match-set ${dns} dst -p udp -m udp --dport 53 -j MARK --set-xmark 0x10000/0x10000`,
      `-A ${chain} -m mark --mark 0x10000/0x10000 -j RETURN`,
      `-A ${chain} -m set --match-set ${db} dst -p tcp -m tcp --dport 5432 -j MARK --set-xmark 0x10000/0x10000`,
      `-A ${chain} -m mark --mark 0x10000/0x10000 -j RETURN`,
    ]);
    assert.deepEqual(policyChainFragment(policy, 'egress', plan, 'IPv6', { count: 0 }).rules, [], 'no IPv6 peers: matches nothing');
  });
});

describe('IptablesFirewallBackend incremental payloads (line counts, recording runner)', () => {
  it('a pod relabelled into and out of a peer set: one ipset restore of one add and one del, no iptables', async () => {
    const { runner, backend } = await synced();
    const parts = firewallParts();
    parts.peerSets = parts.peerSets.map((set) => (set.id === FIREWALL_SET_IDS.FRONTENDS ? { ...set, addresses: ['10.1.2.20', '10.1.2.30'] } : set));
    await backend.sync(firewallPlanWith(parts));
    const live = peerSetName({ id: FIREWALL_SET_IDS.FRONTENDS, kind: 'pods', family: 'IPv4' });
    assert.deepEqual(writes(runner).map((call) => [call.command, ...call.args, ...lines(call)]), [
      ['ipset', 'restore', '-exist', `add ${live} 10.1.2.30`, `del ${live} 10.1.3.21`],
    ]);
  });

  it('a pod created: its chain and one dispatch rule (14 lines), nothing for IPv6 it has no address in', async () => {
    const { runner, backend } = await synced();
    const parts = firewallParts();
    parts.pods.push({ pod: 'default/web-2', ips: [{ ip: '10.1.1.6', family: 'IPv4' }], ingressPolicies: ['default/web-allow-frontend'], egressPolicies: [] });
    await backend.sync(firewallPlanWith(parts));
    const [call, ...rest] = writes(runner);
    assert.equal(rest.length, 0);
    assert.equal(call?.command, 'iptables-restore');
    assert.deepEqual(call?.args, ['--noflush', '-w']);
    const payload = lines(call as RecordedCommand);
    assert.equal(payload.length, 14);
    assert.ok(payload.includes(`-A KR-FW-INGRESS -d 10.1.1.6/32 -j ${podChain('default/web-2', 'ingress')}`));
  });

  it('a pod deleted: its dispatch rule and chain removed (5 lines)', async () => {
    const { runner, backend } = await synced();
    const parts = firewallParts();
    parts.pods = parts.pods.filter((pod) => pod.pod !== 'default/web-1');
    await backend.sync(firewallPlanWith(parts));
    const chain = podChain('default/web-1', 'ingress');
    assert.deepEqual(writes(runner).map(lines), [['*filter', `:${chain} - [0:0]`, `-D KR-FW-INGRESS -d 10.1.1.5/32 -j ${chain}`, `-X ${chain}`, 'COMMIT']]);
  });

  it('a policy changed: only its two chains rewritten (6 lines IPv4, 4 lines IPv6)', async () => {
    const { runner, backend } = await synced();
    const parts = firewallParts();
    parts.policies = parts.policies.map((policy) =>
      policy.key === 'default/web-allow-frontend' ? { ...policy, ingress: [{ ...policy.ingress[0]!, ports: [{ protocol: 'TCP' as const, port: 8081 }] }] } : policy);
    await backend.sync(firewallPlanWith(parts));
    assert.deepEqual(writes(runner).map((call) => [call.command, lines(call).length]), [['iptables-restore', 6], ['ip6tables-restore', 4]]);
  });

  it('a rejected payload keeps the previous plan, undoes the prepared sets, and makes the next sync full', async () => {
    const { runner, backend } = await synced();
    runner.respondTo('iptables-restore', { exitCode: 2, stderr: 'iptables-restore: line 3 failed' });
    const parts = firewallParts();
    parts.peerSets.push({ id: 'new', kind: 'pods', family: 'IPv4', addresses: ['10.9.9.9'] });
    parts.policies = parts.policies.map((policy) =>
      policy.key === 'default/web-allow-frontend' ? { ...policy, ingress: [{ ...policy.ingress[0]!, peers: { any: false, sets: ['new'] } }] } : policy);
    await assert.rejects(backend.sync(firewallPlanWith(parts)), BackendError);
    const newSet = peerSetName({ id: 'new', kind: 'pods', family: 'IPv4' });
    assert.deepEqual(lines(writes(runner).at(-1) as RecordedCommand), [`destroy ${newSet}`], 'rolled back');
    assert.equal((await backend.describe()).plan?.policies.get('default/web-allow-frontend')?.ingress[0]?.ports[0]?.port, 8080);
    runner.calls.length = 0;
    await assert.rejects(backend.sync(firewallPlanWith(parts)), BackendError);
    assert.ok(runner.calls.some((call) => call.command === 'iptables-save'), 'the retry reads the kernel back: full sync');
  });

  it('user text reaches payloads only hashed or as a comment of safe characters', async () => {
    const hostile = 'x" -j ACCEPT\nCOMMIT\n*nat\n# ;é\'';
    const runner = new RecordingCommandRunner();
    const backend = new IptablesFirewallBackend(runner);
    await backend.sync(firewallPlanWith({
      pods: [{ pod: `${hostile}/pod`, ips: [{ ip: '10.1.1.5', family: 'IPv4' }], ingressPolicies: [hostile], egressPolicies: [] }],
      policies: [{ key: hostile, policyTypes: ['Ingress'], ingress: [{ peers: { any: false, sets: [hostile] }, ports: [{ protocol: 'TCP', port: 80 }] }], egress: [] }],
      peerSets: [{ id: hostile, kind: 'pods', family: 'IPv4', addresses: ['10.1.2.3'] }],
    }));
    for (const call of writes(runner)) {
      const payload = lines(call);
      // A comment is one quoted token: no space, quote or newline of the user's text survives.
      for (const line of payload) assert.match(line, /^[A-Za-z0-9 .,:/_"!*\[\]-]+$/, line);
      if (call.command !== 'ipset') assert.deepEqual([payload.filter((l) => l.startsWith('*')), payload.filter((l) => l === 'COMMIT').length], [['*filter'], 1]);
    }
  });
});
