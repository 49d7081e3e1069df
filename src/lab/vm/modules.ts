/**
 * Which kernel modules go into the VM's initramfs, and in which order the guest loads them.
 * The guest's init is busybox, whose `insmod` loads one file and knows nothing of
 * dependencies or softdeps, so the order is worked out on the host with kmod's
 * `modprobe --show-depends` and written into the init script.
 */
import type { CommandRunner } from '../../core/ports/command-runner.js';
import { KernelVmError } from './errors.js';

/**
 * The modules loaded at boot, in the order asked for. The order matters where busybox cannot
 * see a dependency:
 * - `virtio_pci` first: it finds the virtio devices; `9pnet_virtio` only binds to devices
 *   already there, and nothing in `9pnet_virtio`'s dependencies pulls `virtio_pci` in.
 * - `crc32c_generic` before `nf_conntrack`, `ip_vs` and `sctp`: they need `libcrc32c`, which
 *   asks the crypto API for a crc32c implementation when it loads; that link is a softdep,
 *   which busybox ignores, so without it loaded first `libcrc32c` fails and so does IPVS.
 *
 * The rest are what the project's backends and checks use: IPVS and its schedulers, dummy
 * and tunnel links, SCTP, veth and bridges, and the netfilter pieces iptables and nft need.
 * Anything else is still loaded on demand inside the guest by the host's own modprobe.
 */
export const DEFAULT_VM_MODULES: readonly string[] = [
  'virtio_pci',
  '9pnet_virtio',
  '9p',
  'overlay',
  'crc32c_generic',
  'nf_conntrack',
  'ip_vs',
  'ip_vs_rr',
  'ip_vs_wrr',
  'ip_vs_lc',
  'ip_vs_wlc',
  'ip_vs_sh',
  'ip_vs_dh',
  'ip_vs_mh',
  'dummy',
  'ipip',
  'fou',
  'sctp',
  'veth',
  'bridge',
  'br_netfilter',
  'vxlan',
  'nf_tables',
  'nft_compat',
  'nft_chain_nat',
  'nft_ct',
  'nf_nat',
  'ip_tables',
  'iptable_filter',
  'iptable_nat',
  'xt_conntrack',
  'xt_mark',
  'xt_comment',
  'xt_MASQUERADE',
  'xt_addrtype',
  'xt_multiport',
  'xt_statistic',
  'xt_recent',
  'ip_set',
  'ip_set_hash_ip',
  'ip_set_hash_net',
  'xt_set',
  'nf_conntrack_netlink',
];

/** One `insmod` the guest runs: a module file (absolute path on the host) and its options. */
export interface ModuleLoad {
  /** The module's name as modprobe knows it (the file name without `.ko`, `-` as `_`). */
  readonly name: string;
  /** Absolute path of the `.ko` file under `/lib/modules/<version>`. */
  readonly path: string;
  /** Options from the host's modprobe configuration, e.g. `numdummies=0`. */
  readonly options: readonly string[];
}

/** What a module path and option may contain; anything else is refused before it reaches a script. */
const SAFE_PATH = /^\/lib\/modules\/[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)+\.ko(\.(xz|zst|gz))?$/;
const MODULE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]*$/;
const SAFE_OPTION = /^[A-Za-z0-9_.-]+(=[A-Za-z0-9_.,:-]*)?$/;

function moduleNameOf(path: string): string {
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file.replace(/\.ko(\.(xz|zst|gz))?$/, '').replaceAll('-', '_');
}

/**
 * The `insmod` lines of `modprobe --show-depends` as loads, in the order printed (each
 * module's dependencies before it). `builtin NAME` lines are dropped: those are part of the
 * kernel image. Paths and options are checked against a strict pattern because they end up
 * in the guest's init script.
 * @throws KernelVmError on a line it does not understand or an unsafe path or option
 */
export function parseShowDepends(output: string): ModuleLoad[] {
  const loads: ModuleLoad[] = [];
  for (const line of output.split('\n')) {
    const words = line.trim().split(/\s+/).filter((word) => word !== '');
    if (words.length === 0 || words[0] === 'builtin') continue;
    const [verb, path, ...options] = words;
    if (verb !== 'insmod' || path === undefined) throw new KernelVmError('config', `modprobe --show-depends printed an unexpected line: ${line}`);
    if (!SAFE_PATH.test(path)) throw new KernelVmError('config', `module path not accepted for the guest's init: ${path}`);
    for (const option of options) {
      if (!SAFE_OPTION.test(option)) throw new KernelVmError('config', `module option not accepted for the guest's init: ${option}`);
    }
    loads.push({ name: moduleNameOf(path), path, options });
  }
  return loads;
}

/**
 * Loads in order with repeats dropped: the first time a module file appears is where it is
 * loaded, which is before anything that listed it as a dependency.
 */
export function dedupeModuleLoads(loads: readonly ModuleLoad[]): ModuleLoad[] {
  const seen = new Set<string>();
  return loads.filter((load) => {
    if (seen.has(load.path)) return false;
    seen.add(load.path);
    return true;
  });
}

/**
 * Asks the host's kmod, for kernel `version`, what to load for `modules` and in which order
 * (one `modprobe -S VERSION --show-depends -a ...` process; `modprobe` is its path).
 * @throws KernelVmError when a module does not exist for that kernel
 */
export async function resolveModuleLoads(
  runner: CommandRunner,
  version: string,
  modules: readonly string[] = DEFAULT_VM_MODULES,
  modprobe = 'modprobe',
): Promise<ModuleLoad[]> {
  const badNames = modules.filter((name) => !MODULE_NAME.test(name));
  if (badNames.length > 0) throw new KernelVmError('config', `not module names: ${badNames.join(', ')}`);
  let result;
  try {
    result = await runner.run(modprobe, ['-S', version, '--show-depends', '-a', ...modules], { allowedExitCodes: [1] });
  } catch (error) {
    throw new KernelVmError('config', `modprobe could not list the modules of kernel ${version}: ${(error as Error).message}`);
  }
  // kmod names missing modules on stderr ("Module X not found") and may still exit 0.
  const missing = [...result.stderr.matchAll(/Module (\S+) not found/g)].map((match) => match[1]);
  if (missing.length > 0 || result.exitCode !== 0) {
    const what = missing.length > 0 ? `not found: ${missing.join(', ')}` : result.stderr.trim();
    throw new KernelVmError('config', `kernel ${version} lacks modules the VM needs (${what})`);
  }
  return dedupeModuleLoads(parseShowDepends(result.stdout));
}
