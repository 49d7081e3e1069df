import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { release, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it, type Context } from 'mocha';
import { ExecCommandRunner } from '../../src/exec/exec-command-runner.js';
import {
  buildGuestPrograms,
  checkKernelVm,
  dedupeModuleLoads,
  DEFAULT_VM_MODULES,
  encodeGuestCommand,
  guestExecScript,
  guestInitScript,
  guestProgramPath,
  initramfsEntries,
  isStaticElf,
  KernelVmError,
  parseShowDepends,
  qemuArguments,
  resolveModuleLoads,
  runInKernelVm,
  visibleInGuest,
  writeCpioArchive,
  type KernelVmAvailability,
  type KernelVmResult,
  type ModuleLoad,
} from '../../src/lab/index.js';
import { hasStackTrace, linesOf, REPO_ROOT } from '../cli/run-cli.js';
import { rootNetworkState } from './root-helpers.js';

const REPO = REPO_ROOT.replace(/\/$/, '');
const MAIN = join(REPO, 'src/cli/main.ts');

let availability: Promise<KernelVmAvailability> | undefined;

/**
 * Skips the test or suite with a printed reason when the kernel VM cannot run here (not root,
 * qemu, kernel image or busybox missing). In CI (`CI=true`) it fails instead: there the
 * packages are installed by .ci/run, so a VM that cannot run is a broken setup, not a skip.
 */
async function requireKernelVm(context: Context): Promise<Extract<KernelVmAvailability, { available: true }>> {
  availability ??= checkKernelVm();
  const found = await availability;
  if (found.available) return found;
  const reasons = found.reasons.join('; ');
  if (process.env['CI'] === 'true') throw new Error(`the kernel VM must run in CI but cannot: ${reasons}`);
  console.log(`    kernel VM tests skipped: ${reasons}`);
  return context.skip();
}

/** Runs the CLI from source as run-cli.ts does, with a chosen environment and a VM-sized timeout. */
function cli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: REPO, env, timeout: 80_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** Reads a newc archive back: names, modes and data, checking the 4-byte alignment on the way. */
function readCpio(archive: Buffer): { name: string; mode: number; data: Buffer; rdevMajor: number; rdevMinor: number }[] {
  const members = [];
  let at = 0;
  for (;;) {
    assert.equal(at % 4, 0, 'members start on a 4-byte boundary');
    const head = archive.subarray(at, at + 110).toString('ascii');
    assert.equal(head.slice(0, 6), '070701');
    const field = (index: number): number => Number.parseInt(head.slice(6 + index * 8, 14 + index * 8), 16);
    const nameSize = field(11);
    const name = archive.subarray(at + 110, at + 110 + nameSize - 1).toString('utf8');
    const dataAt = Math.ceil((at + 110 + nameSize) / 4) * 4;
    const data = archive.subarray(dataAt, dataAt + field(6));
    at = Math.ceil((dataAt + data.length) / 4) * 4;
    if (name === 'TRAILER!!!') break;
    members.push({ name, mode: field(1), data, rdevMajor: field(9), rdevMinor: field(10) });
  }
  assert.equal(at, archive.length, 'nothing after the trailer');
  return members;
}

/** Splits the NUL-terminated strings of an encoded command. */
function decodeStrings(encoded: Buffer): string[] {
  const text = encoded.toString('utf8');
  assert.ok(text.endsWith('\0'));
  return text.slice(0, -1).split('\0');
}

/**
 * Writes a guest program into `directory`: it imports the project's manifest loader (which
 * imports the pure JavaScript package yaml) and its rtnetlink port (the netlink package, a
 * native addon), a helper module next to it, and reads a file next to its source through
 * `import.meta.url`. It prints what it saw as JSON.
 */
async function writeProbeProgram(directory: string): Promise<string> {
  await writeFile(join(directory, 'package.json'), '{ "type": "module" }\n');
  await writeFile(join(directory, 'data.txt'), 'next to the source\n');
  await writeFile(join(directory, 'helper.ts'), 'export const helperUrl: string = import.meta.url;\n');
  const probe = join(directory, 'probe.ts');
  await writeFile(probe, [
    "import { readFileSync } from 'node:fs';",
    `import { loadCluster } from '${REPO}/src/sources/load-cluster.js';`,
    `import { RtnetlinkPort } from '${REPO}/src/backends/netlink/rtnetlink/rtnetlink-port.js';`,
    "import { helperUrl } from './helper.js';",
    'const seen: Record<string, unknown> = { url: import.meta.url, filename: import.meta.filename, helperUrl, argv1: process.argv[1],',
    "  data: readFileSync(new URL('./data.txt', import.meta.url), 'utf8'), loadCluster: typeof loadCluster, port: RtnetlinkPort.name };",
    'console.log(JSON.stringify(seen));',
    '',
  ].join('\n'));
  return probe;
}

/** What the probe program must print when it ran from `bundle`, built from `probe`. */
function expectedProbeOutput(probe: string, bundle: string): Record<string, unknown> {
  return {
    url: `file://${probe}`,
    filename: probe,
    helperUrl: `file://${join(dirname(probe), 'helper.ts')}`,
    argv1: bundle,
    data: 'next to the source\n',
    loadCluster: 'function',
    port: 'RtnetlinkPort',
  };
}

const SHOW_DEPENDS_SAMPLE = [
  'insmod /lib/modules/6.1.0-57-amd64/kernel/crypto/crc32c_generic.ko ',
  'insmod /lib/modules/6.1.0-57-amd64/kernel/lib/libcrc32c.ko ',
  'builtin unix',
  'insmod /lib/modules/6.1.0-57-amd64/kernel/net/netfilter/ipvs/ip_vs.ko ',
  'insmod /lib/modules/6.1.0-57-amd64/kernel/crypto/crc32c_generic.ko ',
  'insmod /lib/modules/6.1.0-57-amd64/kernel/drivers/net/dummy.ko numdummies=0 ',
  '',
].join('\n');

describe('kernel VM: pure parts (no boot)', () => {
  it('parses modprobe --show-depends: insmod lines with options, builtins dropped, first occurrence kept', () => {
    const loads = dedupeModuleLoads(parseShowDepends(SHOW_DEPENDS_SAMPLE));
    assert.deepEqual(loads.map((load) => load.name), ['crc32c_generic', 'libcrc32c', 'ip_vs', 'dummy']);
    assert.deepEqual(loads[3]?.options, ['numdummies=0']);
  });

  it('refuses module paths and options that could become shell code in the init script', () => {
    assert.throws(() => parseShowDepends('insmod /lib/modules/6.1/kernel/$(reboot).ko'), KernelVmError);
    assert.throws(() => parseShowDepends('insmod /lib/modules/6.1/kernel/a.ko x=`id`'), KernelVmError);
    assert.throws(() => parseShowDepends('rmmod /lib/modules/6.1/kernel/a.ko'), KernelVmError);
  });

  it('asks for crc32c_generic before the crc32c users and virtio_pci before 9pnet_virtio (busybox ignores softdeps)', () => {
    const at = (name: string): number => DEFAULT_VM_MODULES.indexOf(name);
    for (const name of ['crc32c_generic', 'ip_vs', 'sctp', 'nf_conntrack', 'virtio_pci', '9pnet_virtio', '9p', 'dummy', 'ipip', 'fou']) {
      assert.ok(at(name) >= 0, `${name} is loaded at boot`);
    }
    for (const user of ['nf_conntrack', 'ip_vs', 'sctp']) assert.ok(at('crc32c_generic') < at(user), `crc32c_generic before ${user}`);
    assert.ok(at('virtio_pci') < at('9pnet_virtio'));
    assert.ok(at('9pnet_virtio') < at('9p'));
  });

  it('writes the init script: modules in the given order, the host root read-only, the command through xargs, then power-off', () => {
    const loads: ModuleLoad[] = [
      { name: 'virtio_pci', path: '/lib/modules/v/kernel/drivers/virtio/virtio_pci.ko', options: [] },
      { name: '9pnet_virtio', path: '/lib/modules/v/kernel/net/9p/9pnet_virtio.ko', options: [] },
      { name: 'dummy', path: '/lib/modules/v/kernel/drivers/net/dummy.ko', options: ['numdummies=0'] },
    ];
    const script = guestInitScript({ loads });
    const lines = script.split('\n');
    const loadLines = lines.filter((line) => line.startsWith('load '));
    assert.deepEqual(loadLines, [
      'load /lib/modules/v/kernel/drivers/virtio/virtio_pci.ko',
      'load /lib/modules/v/kernel/net/9p/9pnet_virtio.ko',
      'load /lib/modules/v/kernel/drivers/net/dummy.ko numdummies=0',
    ]);
    const index = (pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));
    assert.match(lines[index(/ hostroot \/lower/)] ?? '', /-o trans=virtio,version=9p2000\.L,ro,/);
    assert.ok(index(/^load /) < index(/mount -t 9p/), 'modules before the 9p mount');
    assert.ok(index(/mount -t 9p .* results /) < index(/^chroot \/host \/usr\/bin\/xargs -0 /), 'results share before the command');
    assert.ok(index(/^chroot /) < index(/^poweroff -f$/), 'power-off after the command');
    for (const tmpfs of ['/host/run']) assert.ok(index(new RegExp(`mount -t tmpfs .* ${tmpfs}$`)) > 0, `tmpfs on ${tmpfs}`);
    // pid 1 must never return: every failure path powers off too.
    assert.match(script, /^fail\(\) \{ .*poweroff -f/m);
    assert.doesNotMatch(script, /^exit/m);
  });

  it('keeps the command out of every script: the exec script is fixed text', () => {
    assert.equal(guestExecScript(), guestExecScript());
    assert.doesNotMatch(guestInitScript({ loads: [] }) + guestExecScript(), /echo hello/);
    assert.match(guestExecScript(), /^"\$@" <\/dev\/null >/m);
  });

  it('gives qemu no network device, no KVM, and the two 9p shares', () => {
    const args = qemuArguments({ kernel: '/k', initramfs: '/i', resultsDirectory: '/tmp/run,1' });
    assert.ok(!args.includes('-enable-kvm'));
    assert.ok(!args.some((arg) => /kvm/.test(arg)), 'nothing mentions kvm');
    assert.equal(args[args.indexOf('-accel') + 1], 'tcg');
    for (const flag of ['-netdev', '-net', '-device', '-usb']) assert.ok(!args.includes(flag), `no ${flag}`);
    assert.equal(args[args.indexOf('-nic') + 1], 'none');
    assert.ok(args.includes('-nodefaults'), 'no default devices (the default NIC among them)');
    assert.ok(args.includes('-nographic'));
    assert.equal(args[args.indexOf('-m') + 1], '1024');
    const shares = args.flatMap((arg, at) => (args[at - 1] === '-virtfs' ? [arg] : []));
    assert.deepEqual(shares, [
      'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
      'local,path=/tmp/run,,1,mount_tag=results,security_model=none,multidevs=remap',
    ]);
    assert.match(args[args.indexOf('-append') + 1] ?? '', /console=ttyS0 .*panic=-1/);
  });

  it('passes arguments as NUL-separated strings, byte for byte, behind env -i', () => {
    const awkward = ['it\'s', '"$(reboot)"', 'a b\nc', '', '--', '*'];
    const strings = decodeStrings(encodeGuestCommand({ command: ['printf', ...awkward], cwd: '/work/main/', env: { B: '2', A: 'x=y' } }));
    assert.deepEqual(strings, [
      '/work/main/', '/usr/bin/env', '-i', '--', 'A=x=y', 'B=2', 'KUBE_ROUTER_VM_OUT=/run/kube-router-vm/out', 'printf', ...awkward,
    ]);
  });

  it('refuses commands the guest could misread, and working directories it cannot see', () => {
    const ok = { command: ['true'], cwd: '/', env: {} };
    assert.throws(() => encodeGuestCommand({ ...ok, command: [] }), /needs a command/);
    assert.throws(() => encodeGuestCommand({ ...ok, command: ['A=1'] }), /contains "="/);
    assert.throws(() => encodeGuestCommand({ ...ok, command: ['echo', 'a\0b'] }), /NUL/);
    assert.throws(() => encodeGuestCommand({ ...ok, env: { 'BAD-NAME': '1' } }), /BAD-NAME/);
    assert.throws(() => encodeGuestCommand({ ...ok, command: ['echo', 'x'.repeat(200_000)] }), /at most/);
    for (const cwd of ['relative', '/run/netns', '/proc/1']) {
      assert.equal(visibleInGuest(cwd), false, cwd);
      assert.throws(() => encodeGuestCommand({ ...ok, cwd }), /not visible in the VM/);
    }
    assert.equal(visibleInGuest('/work/main'), true);
    // A checkout under /tmp (a CI clone) runs: the guest sees the host's /tmp under its overlay.
    assert.equal(visibleInGuest('/tmp/clone'), true);
    assert.equal(visibleInGuest('/tmpfoo'), true);
  });

  it('writes newc archives the kernel can unpack: parents first, aligned, devices and links, one trailer', () => {
    const loads: ModuleLoad[] = [{ name: 'dummy', path: '/lib/modules/v/kernel/drivers/net/dummy.ko', options: [] }];
    const archive = writeCpioArchive(initramfsEntries(loads, Buffer.from('BUSYBOX'), () => Buffer.from('MODULE')));
    const members = readCpio(archive);
    const names = members.map((member) => member.name);
    for (const [at, name] of names.entries()) {
      const parent = name.split('/').slice(0, -1).join('/');
      if (parent !== '') assert.ok(names.indexOf(parent) >= 0 && names.indexOf(parent) < at, `${parent} before ${name}`);
    }
    const byName = new Map(members.map((member) => [member.name, member]));
    assert.equal(byName.get('init')?.mode, 0o100755);
    assert.match(byName.get('init')?.data.toString() ?? '', /^#!\/bin\/sh\n/);
    assert.equal(byName.get('bin/sh')?.data.toString(), 'busybox');
    assert.equal(byName.get('bin/sh')?.mode, 0o120777);
    assert.deepEqual([byName.get('dev/console')?.mode, byName.get('dev/console')?.rdevMajor, byName.get('dev/console')?.rdevMinor], [0o020600, 5, 1]);
    assert.equal(byName.get('lib/modules/v/kernel/drivers/net/dummy.ko')?.data.toString(), 'MODULE');
    assert.throws(() => writeCpioArchive([{ kind: 'directory', path: 'a' }, { kind: 'directory', path: 'a' }]), /twice/);
    assert.throws(() => writeCpioArchive([{ kind: 'directory', path: '../a' }]), /bad path/);
  });

  it('tells a static busybox from a dynamically linked program', async function () {
    if (!existsSync('/bin/busybox')) {
      console.log('    skipped: /bin/busybox is not installed (package busybox-static)');
      this.skip();
    }
    assert.equal(await isStaticElf('/bin/busybox'), true);
    assert.equal(await isStaticElf(process.execPath), false, 'node is dynamically linked');
    assert.equal(await isStaticElf(MAIN), false, 'not an ELF file');
  });

  it('builds a guest program on the host: its own location per module, pure JavaScript packages inside, a native addon imported by its path', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'kube-router-vm-test-'));
    try {
      const probe = await writeProbeProgram(directory);
      const { probe: bundle } = await buildGuestPrograms({ probe: 'probe.ts' }, join(directory, 'programs'), directory);
      assert.equal(bundle, join(directory, 'programs', 'probe.mjs'));
      const text = await readFile(bundle as string, 'utf8');
      assert.match(text, new RegExp(`^import netlink from "${REPO}/node_modules/netlink/dist/index\\.js";$`, 'm'), 'netlink stays outside, by absolute path');
      assert.doesNotMatch(text, /from "yaml"|node_modules\/yaml\/[^"]*";$/m, 'yaml is bundled, not imported');
      const run = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, [bundle as string], { cwd: '/' }, (error, stdout, stderr) => (error ? reject(new Error(stderr)) : resolve(stdout)));
      });
      assert.deepEqual(JSON.parse(run), expectedProbeOutput(probe, bundle as string));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('refuses bad program names and says what could not be built', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'kube-router-vm-test-'));
    try {
      await assert.rejects(buildGuestPrograms({ '../x': 'a.ts' }, directory), (error: unknown) => error instanceof KernelVmError && /names must be letters.*\.\.\/x/.test(error.message));
      await writeFile(join(directory, 'broken.ts'), "import { nothing } from './missing.js';\nconsole.log(nothing);\n");
      await assert.rejects(buildGuestPrograms({ broken: 'broken.ts' }, join(directory, 'out'), directory),
        (error: unknown) => error instanceof KernelVmError && error.failure === 'config' && /cannot build the guest programs: Could not resolve "\.\/missing\.js" \(.*broken\.ts:1\)/.test(error.message));
      assert.equal(guestProgramPath('cli'), '/run/kube-router-vm/programs/cli.mjs');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('says every reason the VM cannot run, each naming its package', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'kube-router-vm-test-'));
    try {
      const found = await checkKernelVm({ isRoot: false, path: empty, bootDirectory: empty, modulesRoot: empty, busybox: join(empty, 'busybox') });
      assert.equal(found.available, false);
      const reasons = found.available ? [] : found.reasons;
      assert.ok(reasons.some((reason) => /^not root/.test(reason)), reasons.join('\n'));
      assert.ok(reasons.includes('qemu-system-x86_64 is missing (install qemu-system-x86)'), reasons.join('\n'));
      assert.ok(reasons.some((reason) => /install linux-image-amd64/.test(reason)), reasons.join('\n'));
      assert.ok(reasons.some((reason) => /busybox is missing \(install busybox-static\)/.test(reason)), reasons.join('\n'));
      await writeFile(join(empty, 'busybox'), '#!/bin/sh\n', { mode: 0o755 });
      const dynamic = await checkKernelVm({ isRoot: true, path: empty, bootDirectory: empty, modulesRoot: empty, busybox: join(empty, 'busybox') });
      assert.ok(!dynamic.available && dynamic.reasons.some((reason) => /is not statically linked/.test(reason)));
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('kernel VM: the host\'s modprobe orders the real modules (no boot)', () => {
  it('loads crc32c_generic before ip_vs and sctp, and virtio_pci before 9pnet_virtio', async function () {
    const vm = await requireKernelVm(this);
    const loads = await resolveModuleLoads(new ExecCommandRunner(), vm.kernel.version, DEFAULT_VM_MODULES, vm.modprobe);
    const at = (name: string): number => loads.findIndex((load) => load.name === name);
    for (const name of ['crc32c_generic', 'ip_vs', 'ip_vs_mh', 'sctp', 'virtio_pci', '9pnet_virtio', '9p', 'dummy', 'ipip', 'fou']) {
      assert.ok(at(name) >= 0, `${name} is in the initramfs`);
    }
    assert.ok(at('crc32c_generic') < at('libcrc32c') && at('libcrc32c') < at('ip_vs') && at('crc32c_generic') < at('sctp'));
    assert.ok(at('virtio_pci') < at('9pnet_virtio') && at('9pnet') < at('9pnet_virtio'));
    assert.equal(new Set(loads.map((load) => load.path)).size, loads.length, 'each module once');
    await assert.rejects(resolveModuleLoads(new ExecCommandRunner(), vm.kernel.version, ['no_such_module_here'], vm.modprobe), /no_such_module_here/);
  });
});

/**
 * What the guest runs in the one boot of the suite: a shell script that runs each check as
 * its own command and records its output and status as files in $KUBE_ROUTER_VM_OUT
 * (NAME.out, NAME.err, NAME.status). The host side asserts; the guest only records. A shell,
 * because forking the project's node for every check costs seconds under emulation; node
 * runs in two of the checks (node -e, and a program bundled on the host). It ends with exit code 7 so the suite can tell the
 * command's exit code came back (0 or 1 could be a default).
 */
const GUEST_CHECKS = String.raw`
repo=$1 host_tmp_marker=$2 write_check=$3 out=$KUBE_ROUTER_VM_OUT
check() { name=$1; shift; "$@" >"$out/$name.out" 2>"$out/$name.err"; echo $? >"$out/$name.status"; }
check kernel uname -r
check program node "$KUBE_ROUTER_VM_PROGRAMS/probe.mjs"
check node node -e '
  const fs = require("node:fs"), path = require("node:path"), repo = process.argv[1];
  console.log(JSON.stringify({ version: process.version, cwd: process.cwd(),
    packageJson: fs.existsSync(path.join(repo, "package.json")), mocha: fs.existsSync(path.join(repo, "node_modules/mocha/package.json")) }));
' "$repo"
check ipvs-add ipvsadm -A -t 10.0.0.1:80 -s rr
check ipvs-real ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2:8080 -m -w 1
port=81
for scheduler in wrr lc wlc sh dh mh; do check "ipvs-$scheduler" ipvsadm -A -t "10.0.0.1:$port" -s "$scheduler"; port=$((port + 1)); done
check ipvs-list ipvsadm -Ln
check netns ip netns add vmcheck
check dummy-add ip -n vmcheck link add d0 type dummy
check dummy-up ip -n vmcheck link set d0 up
check dummy-show ip -n vmcheck -j -d link show d0
check ipip-add ip -n vmcheck link add t0 type ipip remote 192.0.2.2 local 192.0.2.1
check ipip-show ip -n vmcheck -j -d link show t0
check fou-add ip -n vmcheck fou add port 5555 ipproto 4
check fou-show ip -n vmcheck fou show
check gre-add ip -n vmcheck link add g0 type gre remote 192.0.2.2 local 192.0.2.1
check gre-show ip -n vmcheck -j -d link show g0
check modules cat /proc/modules
check sctp /usr/bin/python3 -c '
import socket
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
server.bind(("127.0.0.1", 0)); server.listen(1)
client = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_SCTP)
client.connect(server.getsockname()); peer, _ = server.accept()
client.send(b"ping over sctp"); print(peer.recv(100).decode())
'
check iptables-add iptables -t nat -A POSTROUTING -s 10.244.0.0/16 -m comment --comment vm-check -j MASQUERADE
check iptables-list iptables -t nat -S POSTROUTING
check nft-add nft add table inet vmcheck
check nft-list nft list tables
# Links backed by a device (a NIC) have a device link in sysfs; virtual ones do not.
check net-devices sh -c 'for link in /sys/class/net/*; do [ -e "$link/device" ] && echo "$link"; done; true'
check net-links ls /sys/class/net
check virtio-devices sh -c 'cat /sys/bus/virtio/devices/*/device'
check host-tmp-visible sh -c '[ -e "$1" ] && echo visible || echo hidden' sh "$host_tmp_marker"
check write sh -c 'echo "written in the guest" >"$1" && cat "$1"' sh "$write_check"
echo checks written
exit 7
`;

/** One check the guest ran: what it printed and its exit status. */
interface RunRecord {
  readonly name: string;
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The checks' records from the files the guest left. */
function recordsOf(files: Readonly<Record<string, string>>): Map<string, RunRecord> {
  const records = new Map<string, RunRecord>();
  for (const name of Object.keys(files)) {
    if (!name.endsWith('.status')) continue;
    const check = name.slice(0, -'.status'.length);
    records.set(check, {
      name: check,
      status: Number(files[name]?.trim()),
      stdout: files[`${check}.out`] ?? '',
      stderr: files[`${check}.err`] ?? '',
    });
  }
  return records;
}

/** `ip -j -d link show` output: the link's kind, tunnel data and flags. */
function linkInfo(run: RunRecord): { kind?: string; data?: Record<string, unknown>; flags?: string[] } {
  const [link] = JSON.parse(run.stdout || '[]') as { flags?: string[]; linkinfo?: { info_kind?: string; info_data?: Record<string, unknown> } }[];
  return { kind: link?.linkinfo?.info_kind, data: link?.linkinfo?.info_data, flags: link?.flags };
}

describe('kernel VM: one boot of Debian\'s kernel running the checks (root, qemu)', function () {
  this.timeout(120_000);
  let result: KernelVmResult;
  let records: Map<string, RunRecord>;
  let rootBefore: Record<string, unknown>;
  let hostTmpMarker: string | undefined;
  let programDirectory: string | undefined;
  let probe: string;
  const writeCheck = `/var/tmp/kube-router-vm-write-check-${randomBytes(6).toString('hex')}`;

  /** The record of check `name`, which must have run. */
  const check = (name: string): RunRecord => {
    const record = records.get(name);
    assert.ok(record, `the guest did not run check ${name}; it ran ${[...records.keys()].join(', ')}`);
    return record;
  };

  /** Asserts the checks exited 0, showing what one printed when it did not. */
  const assertSucceeded = (...names: string[]): void => {
    for (const name of names) {
      const record = check(name);
      assert.equal(record.status, 0, `check ${name} exited ${record.status}: ${record.stderr}${record.stdout}`);
    }
  };

  before(async function () {
    await requireKernelVm(this);
    rootBefore = await rootNetworkState();
    hostTmpMarker = join(tmpdir(), `kube-router-vm-marker-${randomBytes(6).toString('hex')}`);
    await writeFile(hostTmpMarker, 'on the host only');
    // In the host's /tmp, which the guest sees through its overlay.
    programDirectory = await mkdtemp(join(tmpdir(), 'kube-router-vm-program-'));
    probe = await writeProbeProgram(programDirectory);
    result = await runInKernelVm({
      command: ['sh', '-c', GUEST_CHECKS, 'sh', REPO, hostTmpMarker, writeCheck],
      cwd: REPO,
      programs: { probe },
      timeoutMs: 110_000,
    });
    console.log(
      `    boot ${result.bootSeconds.toFixed(1)} s (guest uptime ${result.guestUptimeSeconds.toFixed(1)} s), ` +
        `checks ${result.commandSeconds.toFixed(1)} s, kernel ${result.kernelVersion} via ${result.kernelEntry}`,
    );
    records = recordsOf(result.files);
  });

  after(async () => {
    if (hostTmpMarker !== undefined) await rm(hostTmpMarker, { force: true });
    if (programDirectory !== undefined) await rm(programDirectory, { recursive: true, force: true });
  });

  it('boots Debian\'s kernel, not this machine\'s', () => {
    assertSucceeded('kernel');
    assert.equal(check('kernel').stdout.trim(), result.kernelVersion);
    assert.notEqual(result.kernelVersion, release());
    assert.match(result.kernelVersion, /-amd64$/);
  });

  it('hands back the command\'s exit code and output', () => {
    assert.equal(result.exitCode, 7);
    assert.equal(result.stdout, 'checks written\n');
    assert.equal(result.stderr, '');
  });

  it('measures the boot: the guest started the command and the times add up', () => {
    assert.ok(result.guestUptimeSeconds > 0, 'the guest reported its uptime at the start');
    assert.ok(result.bootSeconds > 0 && result.bootSeconds + result.commandSeconds <= result.totalSeconds + 0.001);
  });

  it('runs the project\'s own node in the working directory, with the repository and node_modules visible', () => {
    assertSucceeded('node');
    assert.deepEqual(JSON.parse(check('node').stdout), { version: process.version, cwd: REPO, packageJson: true, mocha: true });
  });

  it('runs a program built on the host with plain node: its own location, a file next to its source, yaml and the netlink addon', () => {
    assertSucceeded('program');
    assert.deepEqual(JSON.parse(check('program').stdout), expectedProbeOutput(probe, guestProgramPath('probe')));
  });

  it('IPVS: ipvsadm adds a virtual service with a real server, with every scheduler module', () => {
    const schedulers = ['wrr', 'lc', 'wlc', 'sh', 'dh', 'mh'];
    assertSucceeded('ipvs-add', 'ipvs-real', ...schedulers.map((scheduler) => `ipvs-${scheduler}`), 'ipvs-list');
    const listing = check('ipvs-list').stdout;
    assert.match(listing, /^TCP {2}10\.0\.0\.1:80 rr$/m);
    assert.match(listing, /-> 10\.0\.0\.2:8080 +Masq +1 /);
    for (const [index, scheduler] of schedulers.entries()) {
      assert.match(listing, new RegExp(`^TCP  10\\.0\\.0\\.1:${81 + index} ${scheduler}`, 'm'));
    }
  });

  it('dummy links, in a network namespace of the guest', () => {
    assertSucceeded('netns', 'dummy-add', 'dummy-up', 'dummy-show');
    const info = linkInfo(check('dummy-show'));
    assert.equal(info.kind, 'dummy');
    assert.ok(info.flags?.includes('UP'), JSON.stringify(info));
  });

  it('IPIP tunnels with the given endpoints', () => {
    assertSucceeded('ipip-add', 'ipip-show');
    const info = linkInfo(check('ipip-show'));
    assert.equal(info.kind, 'ipip');
    assert.equal(info.data?.['local'], '192.0.2.1');
    assert.equal(info.data?.['remote'], '192.0.2.2');
  });

  it('FOU receive ports', () => {
    assertSucceeded('fou-add', 'fou-show');
    assert.match(check('fou-show').stdout, /port 5555 ipproto 4/);
  });

  it('loads modules that are not in the initramfs on demand, from the host\'s root (GRE)', () => {
    assert.ok(!DEFAULT_VM_MODULES.includes('ip_gre'));
    assertSucceeded('gre-add', 'gre-show', 'modules');
    assert.equal(linkInfo(check('gre-show')).kind, 'gre');
    assert.match(check('modules').stdout, /^ip_gre /m);
  });

  it('SCTP: an association over loopback carries a message', () => {
    assertSucceeded('sctp');
    assert.equal(check('sctp').stdout.trim(), 'ping over sctp');
  });

  it('iptables and nft program the guest\'s netfilter', () => {
    assertSucceeded('iptables-add', 'iptables-list', 'nft-add', 'nft-list');
    assert.match(check('iptables-list').stdout, /-A POSTROUTING -s 10\.244\.0\.0\/16 .*vm-check.* -j MASQUERADE/);
    assert.match(check('nft-list').stdout, /table inet vmcheck/);
  });

  it('gives the guest no network device: only virtual links, and virtio devices only for 9p', () => {
    assertSucceeded('net-devices', 'net-links', 'virtio-devices');
    assert.match(check('net-links').stdout, /^lo$/m);
    assert.equal(check('net-devices').stdout, '', 'no link is backed by a device');
    // Virtio device id 9 is the 9p transport; a network card would be id 1.
    assert.deepEqual(linesOf(check('virtio-devices').stdout), ['0x0009', '0x0009']);
  });

  it('keeps the guest\'s writes inside it, and sees the host\'s /tmp read through its overlay', () => {
    assertSucceeded('write', 'host-tmp-visible');
    assert.equal(check('write').stdout, 'written in the guest\n');
    assert.equal(existsSync(writeCheck), false, 'the file written in the guest is not on the host');
    assert.equal(check('host-tmp-visible').stdout, 'visible\n', `${basename(hostTmpMarker ?? '')} in the host's /tmp is visible inside`);
  });

  it('leaves the host\'s root network namespace as it was', async () => {
    assert.deepEqual(await rootNetworkState(), rootBefore);
  });
});

/** qemu processes running a kernel VM (the results share is only ours), by pid. */
async function kernelVmQemuPids(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('qemu-system-x86_64') && cmdline.includes('mount_tag=results')) pids.push(Number(entry));
  }
  return pids;
}

describe('kernel VM: runs that end before the command (root, qemu)', function () {
  this.timeout(40_000);

  it('reports why the guest gave up: without the 9p modules it cannot mount the host\'s root', async function () {
    await requireKernelVm(this);
    const failure = await runInKernelVm({ command: ['true'], modules: ['dummy'], timeoutMs: 35_000 }).then(
      () => assert.fail('the run should have failed'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof KernelVmError, String(failure));
    assert.equal(failure.failure, 'boot');
    assert.equal(failure.message, 'the kernel VM stopped before the command finished (cannot mount the host\'s root (9p tag hostroot))');
    assert.match(failure.console, /kube-router-vm: failed: /);
  });

  it('kills qemu and says it timed out', async function () {
    await requireKernelVm(this);
    const before = await kernelVmQemuPids();
    // Far less than a boot takes, so the command never starts.
    const failure = await runInKernelVm({ command: ['true'], timeoutMs: 1500 }).then(
      () => assert.fail('the run should have timed out'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof KernelVmError, String(failure));
    assert.equal(failure.failure, 'timeout');
    assert.match(failure.message, /did not finish within 1\.5 s; qemu was killed/);
    assert.deepEqual(await kernelVmQemuPids(), before, 'no qemu left running');
  });
});

describe('kube-router lab vm', function () {
  this.timeout(90_000);

  it('runs the command in the VM in the current directory, streams its output and exits with its code', async function () {
    const vm = await requireKernelVm(this);
    const run = await cli(['lab', 'vm', '--timeout', '75', '--', 'sh', '-c', 'pwd; uname -r; echo "to stderr" >&2; exit 3']);
    assert.equal(run.code, 3, run.stderr);
    assert.deepEqual(linesOf(run.stdout), [REPO, vm.kernel.version]);
    assert.equal(run.stderr, 'to stderr\n');
  });

  it('says in one line why the VM cannot run, naming the package, and exits 2', async () => {
    // A PATH without qemu (nor modprobe outside /sbin): the check must say so, not crash.
    const run = await cli(['lab', 'vm', '--', 'true'], { ...process.env, PATH: '/nonexistent' });
    assert.equal(run.code, 2);
    assert.equal(linesOf(run.stderr).length, 1, run.stderr);
    assert.match(run.stderr, /^kube-router: the kernel VM cannot run here: .*qemu-system-x86_64 is missing \(install qemu-system-x86\)/);
    assert.equal(hasStackTrace(run.stderr), false);
  });

  it('refuses a bad --timeout before booting anything', async () => {
    const run = await cli(['lab', 'vm', '--timeout', 'soon', '--', 'true']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--timeout: "soon" is not a number of seconds/);
  });
});
