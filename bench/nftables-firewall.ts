/**
 * The nftables firewall at one node's scale: 1,000 local pods, 500 policies (each an ingress
 * allow from a pod selector of 20 pods on TCP 8080 and an egress allow to an ipBlock with an
 * except), one peer set per policy. Prints the full render time and size, the kernel load time
 * of the first sync in a fresh namespace (root only), and one pod relabel's and one policy
 * change's time and payload.
 * Run: `npx tsx bench/nftables-firewall.ts`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { NftablesFirewallBackend } from '../src/backends/nftables/firewall/nftables-firewall-backend.js';
import { firewallTableState, replaceTableTransaction } from '../src/backends/nftables/firewall/firewall-table.js';
import type { FirewallPlan, PeerSet, PodFirewall, PolicyPlan } from '../src/core/plan/firewall-plan.js';
import { fragmentMapOf } from '../src/core/plan/fragment-map.js';
import { SortedTable } from '../src/core/store/sorted-table.js';
import type { CommandRunner, RunOptions, RunResult } from '../src/core/ports/command-runner.js';
import { ExecCommandRunner } from '../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../src/exec/netns-command-runner.js';
import { RecordingCommandRunner } from '../src/exec/recording-command-runner.js';

const PODS = 1_000;
const POLICIES = 500;
const ip = (index: number): string => `10.${1 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;

const pods: PodFirewall[] = Array.from({ length: PODS }, (_, index) => ({
  pod: `ns-${index % 100}/pod-${index}`,
  ips: [{ ip: ip(index + 10), family: 'IPv4' }],
  ingressPolicies: [`ns-${index % 100}/policy-${index % POLICIES}`].sort(),
  egressPolicies: [`ns-${index % 100}/policy-${index % POLICIES}`].sort(),
}));
// Policy i isolates pods i and i+500: give it the key those pods name.
const policies: PolicyPlan[] = Array.from({ length: POLICIES }, (_, index) => ({
  key: `ns-${index % 100}/policy-${index}`,
  policyTypes: ['Ingress', 'Egress'],
  ingress: [{ peers: { any: false, sets: [`sel-${index}`] }, ports: [{ protocol: 'TCP', port: 8080 }] }],
  egress: [{ peers: { any: false, sets: [`block-${index % 50}`] }, ports: [{ protocol: 'TCP', port: 5432 }, { protocol: 'UDP', port: 53 }] }],
}));
const selector = (index: number, addresses: string[]): PeerSet => ({ id: `sel-${index}`, kind: 'pods', family: 'IPv4', addresses });
const selectorAddresses = (index: number): string[] => Array.from({ length: 20 }, (_, slot) => ip(20_000 + index * 20 + slot)).sort();
// Fragment maps versioned as a planner makes them: each version shares every unchanged fragment.
const setTable = new SortedTable<PeerSet>();
for (let index = 0; index < POLICIES; index++) setTable.set(`sel-${index}`, selector(index, selectorAddresses(index)));
for (let index = 0; index < 50; index++) {
  setTable.set(`block-${index}`, { id: `block-${index}`, kind: 'cidrs', family: 'IPv4', cidr: `172.${16 + index}.0.0/16`, except: [`172.${16 + index}.9.0/24`] });
}
const policyTable = new SortedTable<PolicyPlan>();
for (const policy of policies) policyTable.set(policy.key, policy);
const podMap = fragmentMapOf(pods, (pod) => pod.pod);
const plan = (): FirewallPlan => ({
  node: 'node-0',
  nodeAddresses: [{ ip: '192.168.50.11', family: 'IPv4' }],
  pods: podMap,
  policies: policyTable.view(),
  peerSets: setTable.view(),
});
const moved = ip(20_000);
/** The pod behind `moved` relabelled: it leaves selector 0 and joins selector 1. */
function relabel(back: boolean): FirewallPlan {
  setTable.set('sel-0', selector(0, back ? selectorAddresses(0) : selectorAddresses(0).filter((address) => address !== moved)));
  setTable.set('sel-1', selector(1, back ? selectorAddresses(1) : [...selectorAddresses(1), moved].sort()));
  return plan();
}
/** Policy 7's port changed (or back). */
function policyChange(back: boolean): FirewallPlan {
  const policy = policies[7]!;
  policyTable.set(policy.key, back ? policy : { ...policy, ingress: [{ ...policy.ingress[0]!, ports: [{ protocol: 'TCP', port: 8443 }] }] });
  return plan();
}

const base = plan();
let started = performance.now();
const payload = replaceTableTransaction(firewallTableState(base, [])).text();
console.log(`full render: ${(performance.now() - started).toFixed(0)} ms, ${(payload.length / 1e6).toFixed(2)} MB, ${payload.split('\n').length - 1} lines`);

/** Remembers the size of each nft payload. */
class Measuring implements CommandRunner {
  last = '';
  constructor(private readonly inner: CommandRunner) {}
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    if (command === 'nft' && args[0] === '-f') this.last = options?.input ?? '';
    return this.inner.run(command, args, options);
  }
}

async function measure(runner: Measuring, label: string): Promise<void> {
  const backend = new NftablesFirewallBackend(runner);
  started = performance.now();
  await backend.sync(base);
  console.log(`${label} first sync (full): ${((performance.now() - started) / 1000).toFixed(2)} s`);
  started = performance.now();
  await backend.sync(relabel(false));
  console.log(`${label} one pod relabel: ${(performance.now() - started).toFixed(1)} ms, ${runner.last.split('\n').length - 1} lines, ${runner.last.length} bytes`);
  started = performance.now();
  await backend.sync(policyChange(false));
  console.log(`${label} one policy change: ${(performance.now() - started).toFixed(1)} ms, ${runner.last.split('\n').length - 1} lines, ${runner.last.length} bytes`);
  await backend.cleanup();
  relabel(true);
  policyChange(true);
}

await measure(new Measuring(new RecordingCommandRunner()), 'render only:');
if (process.getuid?.() === 0) {
  const exec = new ExecCommandRunner(300_000);
  const netns = `krfp-bench-${randomBytes(3).toString('hex')}`;
  await exec.run('ip', ['netns', 'add', netns]);
  try {
    await measure(new Measuring(new NetnsCommandRunner(exec, netns)), 'kernel:');
  } finally {
    await exec.run('ip', ['netns', 'del', netns]);
  }
} else {
  console.log('kernel load skipped: needs root');
}
console.log(`RSS: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
