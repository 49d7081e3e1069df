import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'mocha';
import { IptablesFirewallBackend, peerSetName, podChain } from '../../../src/backends/iptables/index.js';
import type { CommandRunner, RunOptions, RunResult } from '../../../src/core/ports/command-runner.js';
import type { FirewallPlan } from '../../../src/core/plan/firewall-plan.js';
import { BackendError } from '../../../src/core/errors.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../../../src/exec/netns-command-runner.js';
import { skipUnlessRoot } from '../../lab/root-helpers.js';
import { firewallParts, firewallPlan, firewallPlanWith } from '../contract/fixtures/firewall-plans.js';
import { assertKernelHolds } from './kernel-firewall-state.js';
import { planOf, podOf, podSet } from './firewall-plan-builder.js';

const FAMILIES = ['IPv4', 'IPv6'] as const;

/** Runs restores with `--test` first (each must pass), and can corrupt the next iptables payload. */
class CheckingRunner implements CommandRunner {
  tested = 0;
  corruptNext = false;
  constructor(readonly inner: NetnsCommandRunner) {}
  async run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    let input = options?.input;
    if (command.endsWith('tables-restore') && input !== undefined) {
      if (this.corruptNext && command === 'iptables-restore') {
        this.corruptNext = false;
        input = input.replace('COMMIT\n', '-A KR-FW-INPUT -j KR-FW-NO-SUCH-CHAIN\nCOMMIT\n');
      } else {
        await this.inner.run(command, ['--test', ...args], { ...options, input });
        this.tested += 1;
      }
    }
    return this.inner.run(command, args, { ...options, ...(input === undefined ? {} : { input }) });
  }
}

// Everything the kernel shows of the filter tables and sets, counters and comments of the tools dropped.
async function wholeState(runner: CommandRunner): Promise<string> {
  const clean = (text: string): string => text.split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/g, '')).join('\n');
  return [
    clean((await runner.run('iptables-save', [])).stdout),
    clean((await runner.run('ip6tables-save', [])).stdout),
    (await runner.run('ipset', ['save'])).stdout,
  ].join('\n----\n');
}

function dualStackPlan(): FirewallPlan {
  const web6 = podSet('web6', ['fd00:1::20']);
  return planOf({
    nodeAddresses: ['192.168.50.11', 'fd00::11'],
    pods: [
      { pod: 'default/web-1', ips: [{ ip: '10.1.1.5', family: 'IPv4' }, { ip: 'fd00:1::5', family: 'IPv6' }], ingressPolicies: ['default/p'], egressPolicies: ['default/p'] },
      podOf('default/db-1', '10.1.1.6', ['default/p']),
    ],
    policies: [{
      key: 'default/p',
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        { peers: { any: false, sets: [web6.id, 'all4', 'web4'] }, ports: [{ protocol: 'TCP', port: 8000, endPort: 8100 }, { protocol: 'SCTP', port: 9 }] },
        { peers: { any: true }, ports: [{ protocol: 'UDP', port: 53, podSets: ['web4', web6.id] }] },
      ],
      egress: [{ peers: { any: false, sets: ['block6'] }, ports: [] }],
    }],
    peerSets: [
      web6,
      podSet('web4', ['10.1.1.5']),
      { id: 'all4', kind: 'cidrs', family: 'IPv4', cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] },
      { id: 'block6', kind: 'cidrs', family: 'IPv6', cidr: 'fd00::/16', except: ['fd00:9::/32'] },
    ],
  });
}

describe('IptablesFirewallBackend on the kernel (root)', function () {
  this.timeout(30_000);
  const exec = new ExecCommandRunner(10_000);
  const netns = `krfw-k${randomBytes(3).toString('hex')}`;
  let runner: NetnsCommandRunner;
  before(async function () {
    skipUnlessRoot(this);
    await exec.run('ip', ['netns', 'add', netns]);
    runner = new NetnsCommandRunner(exec, netns);
  });
  after(async () => {
    await exec.run('ip', ['netns', 'del', netns], { allowedExitCodes: [1] });
  });

  it('every payload of a dual-stack sequence passes iptables-restore --test / ip6tables-restore --test and loads', async () => {
    const checking = new CheckingRunner(runner);
    const backend = new IptablesFirewallBackend(checking);
    await backend.sync(dualStackPlan());
    await assertKernelHolds(runner, dualStackPlan(), FAMILIES);
    await backend.sync(firewallPlan());
    await backend.sync(dualStackPlan(), { resync: true });
    await assertKernelHolds(runner, dualStackPlan(), FAMILIES);
    assert.ok(checking.tested >= 5, `${checking.tested} payloads tested`);
    await backend.cleanup();
    await assertKernelHolds(runner, undefined, FAMILIES);
  });

  it('a resync repairs drift: deleted rules and members come back, a moved jump goes back to the top', async () => {
    const backend = new IptablesFirewallBackend(runner);
    const plan = firewallPlan();
    await backend.sync(plan);
    const chain = podChain('default/web-1', 'ingress');
    await runner.run('iptables', ['-w', '-D', chain, '-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'DROP']);
    await runner.run('iptables', ['-w', '-D', 'KR-FW-INGRESS', '-d', '10.1.1.5/32', '-j', chain]);
    await runner.run('iptables', ['-w', '-I', 'FORWARD', '1', '-s', '192.0.2.1/32', '-j', 'ACCEPT']);
    await runner.run('ip6tables', ['-w', '-D', 'OUTPUT', '-j', 'KR-FW-OUTPUT']);
    const frontends = peerSetName({ id: [...plan.peerSets.keys()].find((id) => id.includes('frontend')) as string, kind: 'pods', family: 'IPv4' });
    await runner.run('ipset', ['del', frontends, '10.1.2.20']);
    await assert.rejects(assertKernelHolds(runner, plan, FAMILIES), 'the drift is visible');
    await backend.sync(plan);
    await assert.rejects(assertKernelHolds(runner, plan, FAMILIES), 'an incremental sync trusts its memory');
    await backend.sync(plan, { resync: true });
    await assertKernelHolds(runner, plan, FAMILIES);
    const forward = (await runner.run('iptables', ['-w', '-S', 'FORWARD'])).stdout.split('\n');
    assert.deepEqual(forward.slice(1, 3), ['-A FORWARD -j KR-FW-FORWARD', '-A FORWARD -s 192.0.2.1/32 -j ACCEPT']);
    await backend.cleanup();
    await runner.run('iptables', ['-w', '-D', 'FORWARD', '-s', '192.0.2.1/32', '-j', 'ACCEPT']);
  });

  it('a payload the kernel rejects leaves the previous rules and sets; the next sync retries and succeeds', async () => {
    const checking = new CheckingRunner(runner);
    const backend = new IptablesFirewallBackend(checking);
    await backend.sync(firewallPlan());
    const before = await wholeState(runner);
    const parts = firewallParts();
    parts.pods.push({ pod: 'default/web-2', ips: [{ ip: '10.1.1.7', family: 'IPv4' }], ingressPolicies: ['default/web-allow-frontend'], egressPolicies: [] });
    parts.peerSets.push({ id: 'extra', kind: 'pods', family: 'IPv4', addresses: ['10.5.5.5'] });
    checking.corruptNext = true;
    await assert.rejects(backend.sync(firewallPlanWith(parts)), BackendError);
    assert.equal(await wholeState(runner), before, 'nothing changed in the kernel');
    await backend.sync(firewallPlanWith(parts));
    await assertKernelHolds(runner, firewallPlanWith(parts), FAMILIES);
    await backend.cleanup();
  });

  it('cleanup removes everything it made and nothing else (foreign chain, rules and set present)', async () => {
    await runner.run('iptables-restore', ['--noflush', '-w'], { input: '*filter\n:FOREIGN - [0:0]\n-A FOREIGN -s 198.51.100.0/24 -j DROP\n-A FORWARD -j FOREIGN\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n' });
    await runner.run('ip6tables-restore', ['--noflush', '-w'], { input: '*filter\n:FOREIGN6 - [0:0]\n-A OUTPUT -j FOREIGN6\nCOMMIT\n' });
    await runner.run('ipset', ['create', 'foreign-set', 'hash:ip']);
    await runner.run('ipset', ['add', 'foreign-set', '198.51.100.7']);
    const before = await wholeState(runner);
    const backend = new IptablesFirewallBackend(runner);
    await backend.sync(dualStackPlan());
    await backend.sync(firewallPlan());
    assert.notEqual(await wholeState(runner), before);
    await backend.cleanup();
    assert.equal(await wholeState(runner), before);
  });

  it('hostile names, labels and port names reach the kernel only hashed: iptables-save shows no injected rule', async () => {
    const hostile = 'x" -j ACCEPT\nCOMMIT\n*nat\n-A PREROUTING -j DROP\n# ;é\'';
    const plan = planOf({
      pods: [podOf(`${hostile}/pod`, '10.1.1.5', [hostile])],
      policies: [{ key: hostile, policyTypes: ['Ingress'], ingress: [{ peers: { any: false, sets: [hostile] }, ports: [{ protocol: 'TCP', port: 80, podSets: [`${hostile} port`] }] }], egress: [] }],
      peerSets: [podSet(hostile, ['10.1.2.3']), podSet(`${hostile} port`, ['10.1.1.5'])],
    });
    const checking = new CheckingRunner(runner);
    const backend = new IptablesFirewallBackend(checking);
    await backend.sync(plan);
    await assertKernelHolds(runner, plan, FAMILIES);
    const saved = (await runner.run('iptables-save', [])).stdout;
    assert.doesNotMatch(saved, /PREROUTING -j DROP|\*nat/);
    assert.equal(saved.split('\n').filter((line) => line.startsWith('-A KR-FW-') && line.endsWith('-j ACCEPT')).length, 7, 'node, local, itself, established in the pod chain; three top chains');
    await backend.cleanup();
  });
});
