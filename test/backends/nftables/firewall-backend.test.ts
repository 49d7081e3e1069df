import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { NftablesFirewallBackend } from '../../../src/backends/nftables/firewall/nftables-firewall-backend.js';
import { firewallTableState, replaceTableTransaction } from '../../../src/backends/nftables/firewall/firewall-table.js';
import { peerSetName, policyChainName } from '../../../src/backends/nftables/firewall/firewall-names.js';
import { BackendError } from '../../../src/core/errors.js';
import type { FirewallPlan } from '../../../src/core/plan/firewall-plan.js';
import type { CommandRunner, RunOptions, RunResult } from '../../../src/core/ports/command-runner.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../../../src/exec/netns-command-runner.js';
import { RecordingCommandRunner } from '../../../src/exec/recording-command-runner.js';
import { skipUnlessRoot } from '../../lab/root-helpers.js';
import { FIREWALL_SET_IDS, firewallParts, firewallPlan, firewallPlanWith } from '../contract/fixtures/firewall-plans.js';

const GOLDEN = new URL('../../fixtures/nftables-firewall/fixture-plan.nft', import.meta.url);
const FRONTENDS_SET = peerSetName({ id: FIREWALL_SET_IDS.FRONTENDS, kind: 'pods', family: 'IPv4' });

/** The nft payloads a backend sent through a recording runner. */
function payloads(runner: RecordingCommandRunner): string[] {
  return runner.calls.filter((call) => call.command === 'nft' && call.args[0] === '-f').map((call) => call.input ?? '');
}

/** `line` with every quoted string emptied. */
const outsideQuotes = (line: string): string => line.replace(/"[^"]*"/g, '""');

const lines = (payload: string): string[] => payload.split('\n').filter((line) => line !== '');

/** A plan whose every user-named text tries to break out of a payload. */
function hostilePlan(): FirewallPlan {
  const evil = 'x" ; drop ; # }\n add rule inet kube-router-firewall egress-forward drop ; COMMIT é✓';
  const parts = firewallParts();
  const set = `pods:IPv4:{"namespace":"${evil}"}`;
  parts.pods = parts.pods.map((pod) => ({ ...pod, pod: pod.pod === 'default/web-1' ? `${evil}/web-1` : pod.pod, ingressPolicies: pod.ingressPolicies.map((key) => (key === 'default/web-allow-frontend' ? `${evil}/allow` : key)) }));
  parts.policies = parts.policies.map((policy) =>
    policy.key === 'default/web-allow-frontend'
      ? { ...policy, key: `${evil}/allow`, ingress: [{ peers: { any: false, sets: [set] }, ports: [{ protocol: 'TCP', port: 8080, podSets: [set] }] }] }
      : policy,
  );
  parts.peerSets = [...parts.peerSets, { id: set, kind: 'pods', family: 'IPv4', addresses: ['10.1.2.30'] }];
  return firewallPlanWith(parts);
}

/** The fixture with IPv6 too: a v6 pod, a v6 selector set, a v6 ipBlock with except, a v6 named port. */
function dualStackPlan(): FirewallPlan {
  const parts = firewallParts();
  parts.pods = parts.pods.map((pod) => (pod.pod === 'default/web-1' ? { ...pod, ips: [...pod.ips, { ip: 'fd00:1::5', family: 'IPv6' as const }] } : pod));
  parts.peerSets = [
    ...parts.peerSets,
    { id: 'v6-frontends', kind: 'pods', family: 'IPv6', addresses: ['fd00:2::20'] },
    { id: 'v6-web', kind: 'pods', family: 'IPv6', addresses: ['fd00:1::5'] },
    { id: 'v6-block', kind: 'cidrs', family: 'IPv6', cidr: 'fd00::/16', except: ['fd00:3::/32'] },
  ];
  parts.policies = parts.policies.map((policy) =>
    policy.key === 'default/web-allow-frontend'
      ? { ...policy, ingress: [...policy.ingress, { peers: { any: false, sets: ['v6-frontends', 'v6-block'] }, ports: [{ protocol: 'TCP', port: 8080, podSets: ['v6-web'] }] }] }
      : policy,
  );
  return firewallPlanWith(parts);
}

describe('NftablesFirewallBackend payloads (recording runner)', () => {
  it('renders the fixture plan as the golden table (checked by hand against the plan, line by line)', () => {
    const problems: string[] = [];
    assert.equal(replaceTableTransaction(firewallTableState(firewallPlan(), problems)).text(), readFileSync(GOLDEN, 'utf8'));
    assert.deepEqual(problems, []);
  });

  it('writes a pod relabel as set elements only: one delete and one add line', async () => {
    const runner = new RecordingCommandRunner();
    const backend = new NftablesFirewallBackend(runner);
    await backend.sync(firewallPlan());
    const parts = firewallParts();
    parts.peerSets = parts.peerSets.map((set) => (set.id === FIREWALL_SET_IDS.FRONTENDS && set.kind === 'pods' ? { ...set, addresses: ['10.1.2.20', '10.1.2.44'] } : set));
    await backend.sync(firewallPlanWith(parts));
    const payload = lines(payloads(runner)[1] ?? '');
    assert.deepEqual(payload, [
      `delete element inet kube-router-firewall ${FRONTENDS_SET} { 10.1.3.21 }`,
      `add element inet kube-router-firewall ${FRONTENDS_SET} { 10.1.2.44 }`,
    ]);
  });

  it("rewrites only a changed policy's chain: one flush and its rules", async () => {
    const runner = new RecordingCommandRunner();
    const backend = new NftablesFirewallBackend(runner);
    await backend.sync(firewallPlan());
    const parts = firewallParts();
    parts.policies = parts.policies.map((policy) =>
      policy.key === 'default/web-allow-frontend' ? { ...policy, ingress: [{ ...policy.ingress[0]!, ports: [{ protocol: 'TCP', port: 8080, endPort: 8090 }] }] } : policy,
    );
    await backend.sync(firewallPlanWith(parts));
    const chain = policyChainName('default/web-allow-frontend', 'ingress');
    assert.deepEqual(lines(payloads(runner)[1] ?? ''), [
      `flush chain inet kube-router-firewall ${chain}`,
      `add rule inet kube-router-firewall ${chain} ip saddr @${FRONTENDS_SET} tcp dport 8080-8090 accept comment "default/web-allow-frontend"`,
    ]);
  });

  it('sends nothing for an unchanged plan', async () => {
    const runner = new RecordingCommandRunner();
    const backend = new NftablesFirewallBackend(runner);
    await backend.sync(firewallPlan());
    await backend.sync(firewallPlan());
    assert.equal(payloads(runner).length, 1);
  });

  it('lets hostile names reach the payload only hashed or as sanitized comments', async () => {
    const runner = new RecordingCommandRunner();
    await new NftablesFirewallBackend(runner).sync(hostilePlan());
    const payload = payloads(runner)[0] ?? '';
    assert.doesNotMatch(payload, /é|✓|#/);
    for (const line of lines(payload)) assert.equal((line.match(/"/g) ?? []).length % 2, 0, line);
    const code = lines(payload).map(outsideQuotes);
    assert.deepEqual(code.filter((line) => /COMMIT|drop/.test(line)).map((line) => line.trim()), Array(3).fill('ct state invalid drop'));
  });

  it('skips bad input fail-closed and says so', async () => {
    const problems: string[] = [];
    const parts = firewallParts();
    parts.peerSets = parts.peerSets.map((set) => (set.kind === 'cidrs' ? { ...set, except: ['10.9.0.0/24'] } : set));
    parts.policies = parts.policies.map((policy) =>
      policy.key === 'default/web-allow-frontend' ? { ...policy, ingress: [{ ...policy.ingress[0]!, ports: [{ protocol: 'TCP', port: 90, endPort: 80 }] }] } : policy,
    );
    const state = firewallTableState(firewallPlanWith(parts), problems);
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.deepEqual(state.chains.find((chain) => chain.name === policyChainName('default/web-allow-frontend', 'ingress'))?.rules, []);
    assert.deepEqual(state.sets.find((set) => set.name === peerSetName({ id: FIREWALL_SET_IDS.DATABASES, kind: 'cidrs', family: 'IPv4' }))?.elements, []);
  });
});

/** Fails the next `failures` nft transactions as the kernel would, then passes through. */
class FlakyRunner implements CommandRunner {
  failures = 0;
  readonly sent: string[] = [];
  constructor(private readonly inner: CommandRunner) {}
  async run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    if (command === 'nft' && args[0] === '-f') {
      this.sent.push(options?.input ?? '');
      if (this.failures > 0) {
        this.failures -= 1;
        throw new BackendError(command, args, 1, 'Error: Could not process rule: Cannot allocate memory');
      }
    }
    return this.inner.run(command, args, options);
  }
}

describe('NftablesFirewallBackend payloads on the kernel (root)', function () {
  this.timeout(30_000);
  const netns = `krfw-${randomBytes(3).toString('hex')}-k`;
  const exec = new ExecCommandRunner(10_000);
  const runner = new NetnsCommandRunner(exec, netns);
  const ruleset = async (): Promise<string> => (await runner.run('nft', ['list', 'ruleset'])).stdout;
  before(async function () {
    skipUnlessRoot(this);
    await exec.run('ip', ['netns', 'add', netns]);
  });
  after(async () => {
    await exec.run('ip', ['netns', 'del', netns], { allowedExitCodes: [1] });
  });

  it('has every payload of these tests accepted by nft -c -f', async () => {
    const recording = new RecordingCommandRunner();
    const backend = new NftablesFirewallBackend(recording);
    await backend.sync(firewallPlan());
    const parts = firewallParts();
    parts.peerSets = parts.peerSets.map((set) => (set.kind === 'pods' ? { ...set, addresses: [...set.addresses, '10.1.9.9'] } : set));
    await backend.sync(firewallPlanWith(parts));
    await backend.sync(hostilePlan(), { resync: true });
    await backend.sync(dualStackPlan(), { resync: true });
    await backend.cleanup();
    const all = [readFileSync(GOLDEN, 'utf8'), ...payloads(recording)];
    assert.equal(all.length, 6);
    assert.match(all[4] ?? '', /ip6 saddr @peer-\w+ ip6 daddr @peer-\w+ tcp dport 8080 accept/);
    // Incremental payloads are checked on top of the table they change.
    await runner.run('nft', ['-f', '-'], { input: all[1] });
    for (const payload of all) await runner.run('nft', ['-c', '-f', '-'], { input: payload });
    await runner.run('nft', ['-f', '-'], { input: all[5] });
  });

  it('a resync of an untouched table of every rule shape writes nothing (the rendered rules are in the form nft lists them)', async () => {
    const counting = new FlakyRunner(runner);
    const backend = new NftablesFirewallBackend(counting);
    try {
      // Dual stack (v6 pods, sets, ipBlock with except, named ports) and hostile comments.
      for (const plan of [dualStackPlan(), hostilePlan()]) {
        await backend.sync(plan, { resync: true });
        const written = counting.sent.length;
        await backend.sync(plan, { resync: true });
        assert.equal(counting.sent.length, written, 'no transaction after the read-back');
      }
    } finally {
      await backend.cleanup();
    }
  });

  it('programs hostile names without any injected rule (nft list shows the rules we meant)', async () => {
    const backend = new NftablesFirewallBackend(runner);
    try {
      await backend.sync(hostilePlan());
      const listing = await ruleset();
      const code = listing.split('\n').map(outsideQuotes);
      assert.deepEqual(code.filter((line) => /COMMIT|drop/.test(line)).map((line) => line.trim()), Array(3).fill('ct state invalid drop'));
      // Checked by hand: the sanitizer maps each of " ; # } newline and the non-ASCII letters to _.
      assert.ok(listing.includes('reject comment "x_ _ drop _ _ __ add rule inet kube-router-firewall egress-forward drop _ COMMIT __/web-1"'), listing);
    } finally {
      await backend.cleanup();
    }
  });

  it('keeps the previous table when the kernel rejects a sync, and retries the change on the next one', async () => {
    const flaky = new FlakyRunner(runner);
    const backend = new NftablesFirewallBackend(flaky);
    try {
      await backend.sync(firewallPlan());
      const before = await ruleset();
      const parts = firewallParts();
      parts.peerSets = parts.peerSets.map((set) => (set.id === FIREWALL_SET_IDS.FRONTENDS && set.kind === 'pods' ? { ...set, addresses: ['10.1.2.99'] } : set));
      const next = firewallPlanWith(parts);
      // A real rejection: the element to delete is gone, so the whole transaction fails.
      await runner.run('nft', ['delete', 'element', 'inet', 'kube-router-firewall', FRONTENDS_SET, '{ 10.1.3.21 }']);
      const tampered = await ruleset();
      await assert.rejects(backend.sync(next), BackendError);
      assert.equal(await ruleset(), tampered, 'nothing of the rejected transaction is applied');
      assert.notEqual(tampered, before);
      // A transient rejection, then the retry sends the same change.
      await backend.sync(firewallPlan(), { resync: true });
      assert.equal(await ruleset(), before);
      flaky.failures = 1;
      await assert.rejects(backend.sync(next), BackendError);
      assert.equal(await ruleset(), before);
      await backend.sync(next);
      assert.equal(flaky.sent.at(-1), flaky.sent.at(-2), 'the retry diffs against the same previous plan');
      assert.match(await ruleset(), /10\.1\.2\.99/);
    } finally {
      await backend.cleanup();
    }
  });

  it('cleanup removes our table and nothing else (whole ruleset compared, foreign tables present)', async () => {
    await runner.run('nft', ['-f', '-'], {
      input: 'table inet kube-router-egress {\n  chain c {\n    type filter hook forward priority 10; policy accept;\n    counter\n  }\n}\ntable ip other {\n  set s {\n    type ipv4_addr\n    elements = { 10.9.9.9 }\n  }\n}\n',
    });
    const before = await ruleset();
    const backend = new NftablesFirewallBackend(runner);
    await backend.sync(firewallPlan());
    assert.match(await ruleset(), /table inet kube-router-firewall/);
    await backend.cleanup();
    assert.equal(await ruleset(), before);
    await runner.run('nft', ['-f', '-'], { input: 'delete table inet kube-router-egress\ndelete table ip other\n' });
  });
});
