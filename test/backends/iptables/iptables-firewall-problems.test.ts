import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { IptablesFirewallBackend, peerSetName, podChain, policyChain } from '../../../src/backends/iptables/index.js';
import type { FirewallPlan } from '../../../src/core/plan/firewall-plan.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import { FIREWALL_SET_IDS, firewallParts, firewallPlan, firewallPlanWith } from '../contract/fixtures/firewall-plans.js';
import { assertKernelHolds } from './kernel-firewall-state.js';
import { useScratchNetns } from '../../support/scratch-netns.js';

/**
 * The fixture with one of each bad input: a pod IP and a selector member that are no address,
 * an ipBlock whose except lies outside it, a policy naming an absent peer set, a pod naming an
 * absent policy, a port range with endPort below port.
 */
function badPlan(): FirewallPlan {
  const parts = firewallParts();
  parts.pods = parts.pods.map((pod) =>
    pod.pod === 'default/web-1'
      ? { ...pod, ips: [...pod.ips, { ip: '10.1.1.300', family: 'IPv4' as const }], ingressPolicies: [...pod.ingressPolicies, 'default/no-such-policy'] }
      : pod,
  );
  parts.peerSets = parts.peerSets.map((set) => {
    if (set.id === FIREWALL_SET_IDS.FRONTENDS && set.kind === 'pods') return { ...set, addresses: [...set.addresses, 'not-an-address\n-A INPUT -j ACCEPT'] };
    if (set.id === FIREWALL_SET_IDS.DATABASES && set.kind === 'cidrs') return { ...set, except: ['10.9.0.0/24'] };
    return set;
  });
  parts.policies = parts.policies.map((policy) =>
    policy.key === 'default/web-allow-frontend'
      ? {
          ...policy,
          ingress: [
            ...policy.ingress,
            { peers: { any: false, sets: ['no-such-set'] }, ports: [] },
            { peers: { any: true }, ports: [{ protocol: 'TCP', port: 9000, endPort: 8000 }] },
          ],
        }
      : policy,
  );
  return firewallPlanWith(parts);
}

const FRONTENDS = peerSetName({ id: FIREWALL_SET_IDS.FRONTENDS, kind: 'pods', family: 'IPv4' });
const DATABASES = peerSetName({ id: FIREWALL_SET_IDS.DATABASES, kind: 'cidrs', family: 'IPv4' });
// Worked out by hand from badPlan(): six reasons (web-1's bad IP shows in its chain and dispatch alike), each told once though both families render them.
const EXPECTED_REASONS = [
  `peer set ${FRONTENDS}: skipped an address that is not an IPv4 address`,
  `peer set ${DATABASES}: an except is not an IPv4 CIDR inside the ipBlock; the ipBlock matches nothing`,
  `policy chain ${policyChain('default/web-allow-frontend', 'ingress')}: a rule refers to a peer set that is not in the plan; that match is skipped`,
  `policy chain ${policyChain('default/web-allow-frontend', 'ingress')}: port 9000-8000 skipped: endPort below port`,
  `pod chains of ${podChain('default/web-1', 'ingress')}: skipped an address that is not an IPv4 address`,
  `pod chain ${podChain('default/web-1', 'ingress')}: refers to a policy that is not in the plan; that jump is skipped`,
].sort();

describe('IptablesFirewallBackend: bad input is a counted, reported skip (recording runner)', () => {
  it('syncs a plan with bad addresses, ports and references: each told once, listed by describe(), fail closed', async () => {
    const runner = new RecordingCommandRunner();
    const told: string[] = [];
    const backend = new IptablesFirewallBackend(runner, { onProblem: (message) => told.push(message) });
    await backend.sync(badPlan());
    assert.deepEqual([...told].sort(), EXPECTED_REASONS);
    const summary = (await backend.describe()).summary;
    assert.deepEqual(summary.slice(1).sort(), EXPECTED_REASONS.map((reason) => `skipped: ${reason}`));
    assert.ok(backend.skippedReferences >= EXPECTED_REASONS.length);
    const payloads = runner.calls.map((call) => call.input ?? '').join('\n');
    assert.doesNotMatch(payloads, /not-an-address|10\.1\.1\.300|9000|no-such/);
    // The ipBlock with the misplaced except has no member at all; the frontends keep their good ones.
    assert.doesNotMatch(payloads, new RegExp(`add ${DATABASES} `));
    assert.match(payloads, new RegExp(`add ${FRONTENDS} 10\\.1\\.2\\.20\\n`));
    // The absent policy gets no jump; the rule naming an absent set has no line (allows nothing).
    const podLines = payloads.split('\n').filter((line) => line.startsWith(`-A ${podChain('default/web-1', 'ingress')} -j KR-`));
    assert.deepEqual(podLines, [`-A ${podChain('default/web-1', 'ingress')} -j ${policyChain('default/web-allow-frontend', 'ingress')}`]);
  });

  it('an incremental sync tells only its own new bad input; a good full sync clears the list', async () => {
    const told: string[] = [];
    const backend = new IptablesFirewallBackend(new RecordingCommandRunner(), { onProblem: (message) => told.push(message) });
    await backend.sync(firewallPlan());
    assert.deepEqual(told, []);
    const parts = firewallParts();
    parts.peerSets = parts.peerSets.map((set) => (set.id === FIREWALL_SET_IDS.DNS && set.kind === 'pods' ? { ...set, addresses: [...set.addresses, '10.1.1.256'] } : set));
    const report = await backend.sync(firewallPlanWith(parts));
    assert.equal(report.full, false);
    const dns = peerSetName({ id: FIREWALL_SET_IDS.DNS, kind: 'pods', family: 'IPv4' });
    assert.deepEqual(told, [`peer set ${dns}: skipped an address that is not an IPv4 address`]);
    assert.deepEqual((await backend.describe()).summary.slice(1), [`skipped: peer set ${dns}: skipped an address that is not an IPv4 address`]);
    await backend.sync(firewallPlan(), { resync: true });
    assert.deepEqual((await backend.describe()).summary.slice(1), []);
  });
});

describe('IptablesFirewallBackend: bad input on the kernel keeps what is programmed (root)', function () {
  this.timeout(60_000);
  const { runner } = useScratchNetns('krfp-', 15_000, '-p');

  it('programs the good part of a bad plan over a good one, full and incremental; nothing of the good plan is lost', async () => {
    const backend = new IptablesFirewallBackend(runner);
    try {
      await backend.sync(firewallPlan());
      await assertKernelHolds(runner, firewallPlan(), ['IPv4', 'IPv6']);
      // Incremental: only the frontends member list and web-1 change; the bad member is left out.
      await backend.sync(badPlan());
      await assertKernelHolds(runner, badPlan(), ['IPv4', 'IPv6']);
      const members = (await runner.run('ipset', ['list', FRONTENDS])).stdout;
      assert.match(members, /10\.1\.2\.20/);
      assert.match(members, /10\.1\.3\.21/);
      // Full: the same from scratch.
      await backend.sync(badPlan(), { resync: true });
      await assertKernelHolds(runner, badPlan(), ['IPv4', 'IPv6']);
      const databases = (await runner.run('ipset', ['list', DATABASES])).stdout;
      assert.match(databases, /Number of entries: 0/, 'the ipBlock with a misplaced except matches nothing');
    } finally {
      await backend.cleanup();
    }
  });
});
