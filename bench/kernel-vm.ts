/**
 * The kernel VM's speed: how long Debian's kernel takes under qemu's software emulation from
 * starting qemu to running the command, and a whole run, medians of 3. Also what the first
 * run pays (extracting the kernel, building the initramfs, into an empty cache), node's
 * start inside the guest (`node -e 0`, a program importing the backends under
 * `node --import tsx`, and the same program bundled on the host through `programs`), and the
 * bzImage booted as installed against the extracted vmlinux.
 * Needs root, qemu, a kernel image and busybox: without them it says why and exits 0. The
 * guest has no network device; nothing is created on the host.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { checkKernelVm, runInKernelVm, type KernelVmResult, type KernelVmRunOptions } from '../src/lab/index.js';
import { median, ms, printTable } from './measure.js';

const ROUNDS = 3;

const REPO = resolve(import.meta.dirname, '..');

/**
 * The guest script timing node's starts: each kind twice in a row, the second (its files in
 * the guest's 9p cache) kept, written to $KUBE_ROUTER_VM_OUT/starts as `KIND SECONDS` lines.
 */
const START_TIMES = String.raw`
program=$1 out=$KUBE_ROUTER_VM_OUT
time_start() { kind=$1; shift
  for attempt in 1 2; do
    begin=$(date +%s.%N); "$@" >/dev/null 2>&1 || echo "$kind failed" >&2; end=$(date +%s.%N)
  done
  echo "$kind $(awk "BEGIN { print $end - $begin }")" >>"$out/starts"
}
time_start node node -e 0
time_start tsx node --import tsx "$program"
time_start bundle node "$KUBE_ROUTER_VM_PROGRAMS/backends.mjs"
`;

/** A program importing the route and IPVS backends, the manifest loader and the planner, as the VM tests' programs do. */
function backendsProgram(): string {
  return [
    `import { NetlinkRouteBackend } from '${REPO}/src/backends/netlink/netlink-route-backend.js';`,
    `import { RtnetlinkPort } from '${REPO}/src/backends/netlink/rtnetlink/rtnetlink-port.js';`,
    `import { GenericNetlinkIpvsPort, IpvsProxyBackend } from '${REPO}/src/backends/ipvs/index.js';`,
    `import { planRoutes } from '${REPO}/src/core/planner/index.js';`,
    `import { loadCluster } from '${REPO}/src/sources/load-cluster.js';`,
    'console.log([NetlinkRouteBackend, RtnetlinkPort, GenericNetlinkIpvsPort, IpvsProxyBackend, planRoutes, loadCluster].map((one) => typeof one).join(" "));',
    '',
  ].join('\n');
}

/** Seconds by kind from the start-times script's file. */
function startTimes(result: KernelVmResult): Record<string, number> {
  const times: Record<string, number> = {};
  for (const line of (result.files['starts'] ?? '').trim().split('\n')) {
    const [kind, value] = line.split(' ');
    if (kind !== undefined && value !== undefined) times[kind] = Number(value);
  }
  if (Object.keys(times).length !== 3 || result.stderr !== '') throw new Error(`node's starts in the VM were not all timed: ${result.stderr}`);
  return times;
}

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
  const starts: Record<string, number>[] = [];
  // In the host's /tmp, which the guest sees through its overlay; a package.json makes the file an ES module.
  const programDirectory = await mkdtemp(join(tmpdir(), 'kube-router-vm-bench-'));
  try {
    const program = join(programDirectory, 'backends.ts');
    await writeFile(join(programDirectory, 'package.json'), '{ "type": "module" }\n');
    await writeFile(program, backendsProgram());
    for (let round = 0; round < ROUNDS; round++) {
      trueRuns.push(await run({ command: ['true'] }));
      bzImageRuns.push(await run({ command: ['true'], bootBzImage: true }));
      nodeRuns.push(await run({ command: [process.execPath, '-e', '0'] }));
      starts.push(startTimes(await run({ command: ['sh', '-c', START_TIMES, 'sh', program], cwd: REPO, programs: { backends: program }, timeoutMs: 300_000 })));
    }
  } finally {
    await rm(programDirectory, { recursive: true, force: true });
  }
  const start = (kind: string): string => seconds(median(starts.map((times) => times[kind] ?? Number.NaN)));
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
      ['node start in the guest, files cached: `node -e 0`', start('node')],
      ["  `node --import tsx` of a program importing the backends (tsx's cache warm)", start('tsx')],
      ['  the same program bundled on the host (`programs`), plain `node`', start('bundle')],
      ['boot to command with the bzImage as installed (kernel decompresses itself)', seconds(medianOf(bzImageRuns, (run) => run.bootSeconds))],
      ['whole run of `true` with the bzImage', seconds(medianOf(bzImageRuns, (run) => run.totalSeconds))],
      ['host load average (1 min) before / after', `${loadBefore.toFixed(1)} / ${loadAfter.toFixed(1)}`],
    ],
  );
}

await main();
