/**
 * Runs inside the kernel VM, in the node namespace of sctp-cluster.yaml: for each firewall
 * backend (iptables, nftables), probes SCTP 9000 and 9001 of the server pod from the client
 * pod before the policy, programs the plan, probes again, cleans up. Writes sctp.json.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IptablesFirewallBackend } from '../../../src/backends/iptables/firewall/iptables-firewall-backend.js';
import { NftablesFirewallBackend } from '../../../src/backends/nftables/firewall/nftables-firewall-backend.js';
import { planFirewall } from '../../../src/core/planner/index.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { loadCluster } from '../../../src/sources/load-cluster.js';

const out = process.env['KUBE_ROUTER_VM_OUT'] ?? '/tmp';
const peer = fileURLToPath(new URL('./sctp-peer.py', import.meta.url));
const runner = new ExecCommandRunner();
const { snapshot } = await loadCluster([fileURLToPath(new URL('./sctp-cluster.yaml', import.meta.url))]);
const plan = planFirewall(snapshot, 'node-a');

async function probe(port: number): Promise<string> {
  const { stdout } = await runner.run('ip', ['netns', 'exec', 'krsctp-client', 'python3', peer, 'probe', '10.244.3.2', String(port)]);
  return stdout.trim();
}

const results: Record<string, Record<string, string>> = {};
for (const [name, make] of [['iptables', () => new IptablesFirewallBackend(runner)], ['nftables', () => new NftablesFirewallBackend(runner)]] as const) {
  const entry: Record<string, string> = {};
  try {
    entry['before 9000'] = await probe(9000);
    entry['before 9001'] = await probe(9001);
    const backend = make();
    await backend.sync(plan);
    entry['policy 9000'] = await probe(9000);
    entry['policy 9001'] = await probe(9001);
    await backend.cleanup();
    entry['after cleanup 9001'] = await probe(9001);
  } catch (error) {
    entry['error'] = String(error);
  }
  results[name] = entry;
}
await writeFile(join(out, 'sctp.json'), JSON.stringify(results));
process.exit(0);
