/**
 * The guest's initramfs: busybox, the init script, the module request helper and the
 * modules to load at boot. Built in memory from the host's files and cached per kernel
 * version and inputs, so only the first boot (or one after a kernel or busybox update)
 * pays for it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CommandRunner } from '../../core/ports/command-runner.js';
import type { VmKernel } from './availability.js';
import { writeCpioArchive, type CpioEntry } from './cpio.js';
import { guestInitScript, guestModprobeHelper, MODPROBE_HELPER } from './guest-scripts.js';
import { resolveModuleLoads, type ModuleLoad } from './modules.js';

/** Where built kernels and initramfs images are kept between runs (root's cache, survives reboots). */
export const DEFAULT_VM_CACHE_DIRECTORY = '/var/cache/kube-router/kernel-vm';

/** Bumped when the layout of the archive changes in a way its inputs do not show. */
const INITRAMFS_FORMAT = 1;

/** Cached images of one kernel older than this are removed when a new one is written. */
const STALE_AFTER_MS = 60 * 60 * 1000;

/** What goes into an initramfs. */
export interface InitramfsInput {
  readonly kernel: VmKernel;
  /** The static busybox binary. */
  readonly busybox: string;
  /** Modules to load at boot, in the order asked for. */
  readonly modules: readonly string[];
  /** kmod's modprobe. */
  readonly modprobe: string;
}

/** A built (or cached) initramfs. */
export interface Initramfs {
  /** The gzip-compressed newc archive. */
  readonly path: string;
  /** True when it came from the cache. */
  readonly cached: boolean;
}

/**
 * The directories and files of the archive, given the module loads and the module files'
 * contents. Pure, so the layout is tested without a kernel.
 */
export function initramfsEntries(
  loads: readonly ModuleLoad[],
  busybox: Uint8Array,
  moduleFile: (path: string) => Uint8Array,
): CpioEntry[] {
  const directories = ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'proc', 'sys', 'dev', 'tmp', 'lower', 'rw', 'host'];
  return [
    ...directories.map((path): CpioEntry => ({ kind: 'directory', path })),
    // The kernel opens /dev/console for init's stdio before anything is mounted.
    { kind: 'character-device', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'file', path: 'bin/busybox', data: busybox, permissions: 0o755 },
    // Only what the init's first line needs; it installs the other applet links itself.
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'file', path: 'init', data: Buffer.from(guestInitScript({ loads }), 'utf8'), permissions: 0o755 },
    { kind: 'file', path: MODPROBE_HELPER.slice(1), data: Buffer.from(guestModprobeHelper(), 'utf8'), permissions: 0o755 },
    ...loads.map((load): CpioEntry => ({ kind: 'file', path: load.path.slice(1), data: moduleFile(load.path) })),
  ];
}

/**
 * The cache key of an initramfs: everything it is built from, without asking modprobe (which
 * a cached boot should not pay for). The module set stands for itself plus `modules.dep`
 * (rewritten by depmod whenever the kernel's modules change); the scripts stand for their
 * generator's text.
 */
export async function initramfsKey(input: InitramfsInput): Promise<string> {
  const [dep, busybox] = await Promise.all([stat(join(input.kernel.modulesDirectory, 'modules.dep')), stat(input.busybox)]);
  const inputs = {
    format: INITRAMFS_FORMAT,
    version: input.kernel.version,
    modules: input.modules,
    modulesDep: [dep.size, Math.trunc(dep.mtimeMs)],
    busybox: [input.busybox, busybox.size, Math.trunc(busybox.mtimeMs)],
    init: guestInitScript({ loads: [] }),
    helper: guestModprobeHelper(),
  };
  return createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Removes other images of the same kernel that nothing has written for an hour (a run in progress has read its image long before). */
async function removeStale(cacheDirectory: string, version: string, keep: string): Promise<void> {
  const prefix = `initramfs-${version}-`;
  for (const entry of await readdir(cacheDirectory)) {
    const path = join(cacheDirectory, entry);
    if (!entry.startsWith(prefix) || path === keep) continue;
    const info = await stat(path).catch(() => undefined);
    if (info !== undefined && Date.now() - info.mtimeMs > STALE_AFTER_MS) await rm(path, { force: true });
  }
}

/**
 * The initramfs for `input`, from `cacheDirectory` when one with the same key is there,
 * otherwise built (modules ordered by the host's modprobe, files read from the host) and
 * written there atomically.
 */
export async function cachedInitramfs(runner: CommandRunner, input: InitramfsInput, cacheDirectory: string): Promise<Initramfs> {
  const path = join(cacheDirectory, `initramfs-${input.kernel.version}-${await initramfsKey(input)}.cpio.gz`);
  if (await exists(path)) return { path, cached: true };
  const loads = await resolveModuleLoads(runner, input.kernel.version, input.modules, input.modprobe);
  const files = new Map<string, Uint8Array>();
  await Promise.all(loads.map(async (load) => files.set(load.path, await readFile(load.path))));
  const archive = writeCpioArchive(initramfsEntries(loads, await readFile(input.busybox), (file) => files.get(file) as Uint8Array));
  // Level 1: quick to write; the level made no measurable difference to the boot, which the
  // kernel's own start dominates.
  const compressed = gzipSync(archive, { level: 1 });
  await mkdir(cacheDirectory, { recursive: true });
  const partial = `${path}.${randomUUID()}.partial`;
  await writeFile(partial, compressed);
  await rename(partial, path);
  await removeStale(cacheDirectory, input.kernel.version, path);
  return { path, cached: false };
}
