/**
 * Whether the kernel VM can run on this machine, and if not, every reason why, each naming
 * the package that fixes it. Checked before anything is built, so a missing package is one
 * clear line instead of a qemu error.
 */
import { constants } from 'node:fs';
import { access, open, readdir, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** A kernel the VM can boot: the image and the modules installed for it. */
export interface VmKernel {
  /** The version, as in `/lib/modules/<version>` and `uname -r` inside the guest. */
  readonly version: string;
  /** The boot image, `/boot/vmlinuz-<version>`. */
  readonly image: string;
  /** `/lib/modules/<version>`. */
  readonly modulesDirectory: string;
}

/** The outcome of {@link checkKernelVm}. */
export type KernelVmAvailability =
  | {
      readonly available: true;
      readonly kernel: VmKernel;
      /** Absolute path of `qemu-system-x86_64`. */
      readonly qemu: string;
      /** The static busybox that becomes the guest's init. */
      readonly busybox: string;
      /** kmod's modprobe, which orders the modules for the initramfs. */
      readonly modprobe: string;
    }
  | {
      readonly available: false;
      /** Every reason, one line each, e.g. `qemu-system-x86_64 is missing (install qemu-system-x86)`. */
      readonly reasons: readonly string[];
    };

/** Where the pieces are looked for; tests point these at fixtures. */
export interface KernelVmLookup {
  /** Default `/boot`. */
  readonly bootDirectory?: string;
  /** Default `/lib/modules`. */
  readonly modulesRoot?: string;
  /** Default `/bin/busybox` (package busybox-static). */
  readonly busybox?: string;
  /** Default the `PATH` of this process. */
  readonly path?: string;
  /** Default whether this process runs as root. */
  readonly isRoot?: boolean;
  /** Only this kernel version (default: the newest with both an image and modules). */
  readonly kernelVersion?: string;
}

/** The busybox-static package's binary. */
export const DEFAULT_BUSYBOX = '/bin/busybox';

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The first executable called `name` in the directories of `path` (a `PATH` value), or undefined. */
export async function findOnPath(name: string, path: string): Promise<string | undefined> {
  for (const directory of path.split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Compares kernel versions so that `6.1.0-10` sorts after `6.1.0-9`. */
function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/**
 * The kernels installed the Debian way: a `/lib/modules/<version>` with a `modules.dep` and a
 * matching `/boot/vmlinuz-<version>`, newest first. The running kernel is not special: on
 * this machine it has neither.
 */
export async function findVmKernels(bootDirectory = '/boot', modulesRoot = '/lib/modules'): Promise<VmKernel[]> {
  let versions: string[];
  try {
    versions = await readdir(modulesRoot);
  } catch {
    return [];
  }
  const kernels: VmKernel[] = [];
  for (const version of versions.sort(compareVersions).reverse()) {
    const image = join(bootDirectory, `vmlinuz-${version}`);
    const modulesDirectory = join(modulesRoot, version);
    try {
      await access(image, constants.R_OK);
      await access(join(modulesDirectory, 'modules.dep'), constants.R_OK);
      kernels.push({ version, image, modulesDirectory });
    } catch {
      // Modules without an image (or the reverse): a half-removed kernel, not bootable.
    }
  }
  return kernels;
}

/**
 * True when `path` is an ELF executable without a program interpreter, i.e. statically
 * linked. The initramfs holds no libc, so a dynamically linked busybox (package busybox)
 * would fail as init with nothing but a kernel panic to show for it.
 */
export async function isStaticElf(path: string): Promise<boolean> {
  const PT_INTERP = 3;
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(64);
    await file.read(head, 0, 64, 0);
    // ELF magic, 64-bit (class 2), little-endian (data 1): the only layout this reads.
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return false;
    const programHeaders = Number(head.readBigUInt64LE(0x20));
    const entrySize = head.readUInt16LE(0x36);
    const count = head.readUInt16LE(0x38);
    const table = Buffer.alloc(entrySize * count);
    await file.read(table, 0, table.length, programHeaders);
    for (let index = 0; index < count; index++) {
      if (table.readUInt32LE(index * entrySize) === PT_INTERP) return false;
    }
    return true;
  } finally {
    await file.close();
  }
}

/**
 * Checks everything the kernel VM needs: root (the guest reads the whole host root, which
 * only root can), an x86-64 host, `qemu-system-x86_64`, a Debian kernel image with its
 * modules, a static busybox and kmod's `modprobe`. Never throws; an unavailable VM comes
 * with every reason.
 */
export async function checkKernelVm(lookup: KernelVmLookup = {}): Promise<KernelVmAvailability> {
  const path = lookup.path ?? process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin';
  // modprobe lives in /sbin, which a non-login root shell may not have on PATH.
  const searchPath = `${path}${delimiter}/usr/sbin${delimiter}/sbin`;
  const reasons: string[] = [];
  const isRoot = lookup.isRoot ?? process.getuid?.() === 0;
  if (!isRoot) reasons.push('not root (the guest shares the whole host root, which only root can read)');
  // The guest runs the host's own programs, so it must be the host's architecture.
  if (process.arch !== 'x64') reasons.push(`this machine is ${process.arch}; the kernel VM is an x86-64 guest running the host's programs`);
  const qemu = await findOnPath('qemu-system-x86_64', searchPath);
  if (qemu === undefined) reasons.push('qemu-system-x86_64 is missing (install qemu-system-x86)');
  const kernels = await findVmKernels(lookup.bootDirectory, lookup.modulesRoot);
  const kernel = lookup.kernelVersion === undefined ? kernels[0] : kernels.find((candidate) => candidate.version === lookup.kernelVersion);
  if (kernel === undefined) {
    reasons.push(
      lookup.kernelVersion === undefined
        ? 'no kernel image: no /boot/vmlinuz-VERSION with a /lib/modules/VERSION (install linux-image-amd64)'
        : `kernel ${lookup.kernelVersion} is not installed (/boot/vmlinuz-${lookup.kernelVersion} and /lib/modules/${lookup.kernelVersion})`,
    );
  }
  const busybox = lookup.busybox ?? DEFAULT_BUSYBOX;
  if (!(await isExecutable(busybox))) reasons.push(`${busybox} is missing (install busybox-static)`);
  else if (!(await isStaticElf(busybox))) reasons.push(`${busybox} is not statically linked (install busybox-static)`);
  const modprobe = await findOnPath('modprobe', searchPath);
  if (modprobe === undefined) reasons.push('modprobe is missing (install kmod)');
  if (reasons.length > 0 || qemu === undefined || kernel === undefined || modprobe === undefined) return { available: false, reasons };
  return { available: true, kernel, qemu, busybox, modprobe };
}
