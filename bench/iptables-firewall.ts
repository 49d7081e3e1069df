/**
 * The iptables + ipset firewall at one node's scale, the same plan as
 * `bench/nftables-firewall.ts`: 1,000 local pods, 500 policies (each an ingress allow from a
 * pod selector of 20 pods on TCP 8080 and an egress allow to an ipBlock with an except), one
 * peer set per policy, fragment maps shared between versions as the planner makes them.
 * Prints the full render size, the kernel load time of the first sync in a fresh namespace
 * (root only) split by tool (read-back, `ipset restore`, `iptables-restore`), a resync's, and
 * one pod relabel's and one policy change's time and payload.
 * Run: `npx tsx bench/iptables-firewall.ts`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { IptablesFirewallBackend } from '../src/backends/iptables/firewall/iptables-firewall-backend.js';
import type { CommandRunner, RunOptions, RunResult } from '../src/core/ports/command-runner.js';
import { ExecCommandRunner } from '../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../src/exec/netns-command-runner.js';
import { RecordingCommandRunner } from '../src/exec/recording-command-runner.js';

import { plan, policyChange, relabel } from './firewall-bench-plan.js';

/** Times each command and remembers the payloads (stdin) of the last sync. */
class Timing implements CommandRunner {
  readonly seconds = new Map<string, number>();
  payloads: string[] = [];
  constructor(private readonly inner: CommandRunner) {}
  async run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    const key = command === 'ipset' ? `ipset ${args[0]}` : command;
    if (options?.input !== undefined) this.payloads.push(options.input);
    const started = performance.now();
    try {
      return await this.inner.run(command, args, options);
    } finally {
      this.seconds.set(key, (this.seconds.get(key) ?? 0) + (performance.now() - started) / 1000);
    }
  }
  reset(): void {
    this.seconds.clear();
    this.payloads = [];
  }
  lines(): number {
    return this.payloads.reduce((sum, payload) => sum + payload.split('\n').length - 1, 0);
  }
  bytes(): number {
    return this.payloads.reduce((sum, payload) => sum + payload.length, 0);
  }
  split(): string {
    return [...this.seconds].map(([tool, seconds]) => `${tool} ${seconds.toFixed(2)} s`).join(', ');
  }
}

const base = plan();

async function measure(runner: Timing, label: string): Promise<void> {
  const backend = new IptablesFirewallBackend(runner);
  runner.reset();
  let started = performance.now();
  await backend.sync(base);
  console.log(`${label} first sync (full): ${((performance.now() - started) / 1000).toFixed(2)} s, ${runner.lines()} lines, ${(runner.bytes() / 1e6).toFixed(2)} MB [${runner.split()}]`);
  runner.reset();
  started = performance.now();
  await backend.sync(base, { resync: true });
  console.log(`${label} resync (read back, rewrite all): ${((performance.now() - started) / 1000).toFixed(2)} s [${runner.split()}]`);
  runner.reset();
  started = performance.now();
  await backend.sync(relabel(false));
  console.log(`${label} one pod relabel: ${(performance.now() - started).toFixed(1)} ms, ${runner.lines()} lines, ${runner.bytes()} bytes`);
  runner.reset();
  started = performance.now();
  await backend.sync(policyChange(false));
  console.log(`${label} one policy change: ${(performance.now() - started).toFixed(1)} ms, ${runner.lines()} lines, ${runner.bytes()} bytes`);
  await backend.cleanup();
  relabel(true);
  policyChange(true);
}

await measure(new Timing(new RecordingCommandRunner()), 'render only:');
if (process.getuid?.() === 0) {
  const exec = new ExecCommandRunner(300_000);
  const netns = `krfp-bench-${randomBytes(3).toString('hex')}`;
  await exec.run('ip', ['netns', 'add', netns]);
  try {
    await measure(new Timing(new NetnsCommandRunner(exec, netns)), 'kernel:');
  } finally {
    await exec.run('ip', ['netns', 'del', netns]);
  }
} else {
  console.log('kernel load skipped: needs root');
}
console.log(`RSS: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
