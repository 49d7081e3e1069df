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
import type { CommandRunner, RunOptions, RunResult } from '../src/core/ports/command-runner.js';
import { ExecCommandRunner } from '../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../src/exec/netns-command-runner.js';
import { RecordingCommandRunner } from '../src/exec/recording-command-runner.js';

import { plan, policyChange, relabel } from './firewall-bench-plan.js';

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
