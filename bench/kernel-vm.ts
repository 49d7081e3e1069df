/**
 * The kernel VM's speed: how long Debian's kernel takes under qemu's software emulation from
 * starting qemu to running the command, and a whole run, medians of 3. Also what the first
 * run pays (extracting the kernel, building the initramfs, into an empty cache), node's
 * start inside the guest, and the bzImage booted as installed against the extracted vmlinux.
 * Needs root, qemu, a kernel image and busybox: without them it says why and exits 0. The
 * guest has no network device; nothing is created on the host.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkKernelVm, runInKernelVm, type KernelVmResult, type KernelVmRunOptions } from '../src/lab/index.js';
import { median, ms, printTable } from './measure.js';

const ROUNDS = 3;

function seconds(value: number): string {
  return `${value.toFixed(2)} s`;
}

/** One run that must succeed. */
async function run(options: KernelVmRunOptions): Promise<KernelVmResult> {
  const result = await runInKernelVm({ timeoutMs: 120_000, ...options });
  if (result.exitCode !== 0) throw new Error(`${options.command.join(' ')} exited ${result.exitCode} in the VM: ${result.stderr}`);
  return result;
}

/** The median of one measure over runs. */
function medianOf(results: readonly KernelVmResult[], pick: (result: KernelVmResult) => number): number {
  return median(results.map(pick));
}

async function main(): Promise<void> {
  const availability = await checkKernelVm();
  if (!availability.available) {
    console.log(`kernel-vm skipped: ${availability.reasons.join('; ')}`);
    return;
  }
  const loadBefore = loadavg()[0] ?? 0;
  const coldCache = await mkdtemp(join(tmpdir(), 'kube-router-vm-bench-'));
  let cold: KernelVmResult;
  try {
    cold = await run({ command: ['true'], cacheDirectory: coldCache });
  } finally {
    await rm(coldCache, { recursive: true, force: true });
  }
  // Interleaved, so that whatever else the machine does weighs on each kind alike.
  const trueRuns: KernelVmResult[] = [];
  const nodeRuns: KernelVmResult[] = [];
  const bzImageRuns: KernelVmResult[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    trueRuns.push(await run({ command: ['true'] }));
    bzImageRuns.push(await run({ command: ['true'], bootBzImage: true }));
    nodeRuns.push(await run({ command: [process.execPath, '-e', '0'] }));
  }
  const loadAfter = loadavg()[0] ?? 0;
  printTable(
    `Kernel VM: Debian kernel ${availability.kernel.version} under qemu software emulation (TCG, 1 vCPU, 1 GiB), median of ${ROUNDS}`,
    [
      ['first run into an empty cache: extract vmlinux + build initramfs', seconds(cold.prepareSeconds)],
      ['prepare with a warm cache', ms(medianOf(trueRuns, (run) => run.prepareSeconds) * 1000)],
      ['boot to command: qemu start until the command starts (vmlinux, PVH entry)', seconds(medianOf(trueRuns, (run) => run.bootSeconds))],
      ["  of which the guest's own uptime at that point", seconds(medianOf(trueRuns, (run) => run.guestUptimeSeconds))],
      ['command `true` started until qemu exited (incl. power-off)', seconds(medianOf(trueRuns, (run) => run.commandSeconds))],
      ['whole run of `true` (runInKernelVm call)', seconds(medianOf(trueRuns, (run) => run.totalSeconds))],
      ["whole run of `node -e 0` (the project's node, from the host's root over 9p)", seconds(medianOf(nodeRuns, (run) => run.totalSeconds))],
      ['boot to command with the bzImage as installed (kernel decompresses itself)', seconds(medianOf(bzImageRuns, (run) => run.bootSeconds))],
      ['whole run of `true` with the bzImage', seconds(medianOf(bzImageRuns, (run) => run.totalSeconds))],
      ['host load average (1 min) before / after', `${loadBefore.toFixed(1)} / ${loadAfter.toFixed(1)}`],
    ],
  );
}

await main();
