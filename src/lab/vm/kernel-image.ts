/**
 * The kernel file qemu boots. Debian's `/boot/vmlinuz-*` is a bzImage that decompresses its
 * XZ payload itself; under software emulation that alone takes 4 to 6 s here, before the
 * kernel prints a line. The payload is an ELF `vmlinux` with a PVH entry point (Debian builds
 * with CONFIG_PVH), which qemu boots directly. So it is decompressed once on the host (about
 * a second with `xz`) and cached; when that is not possible the bzImage is booted as it is.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { VmKernel } from './availability.js';

/** The file to pass to qemu's `-kernel`, and which way it boots. */
export interface BootableKernel {
  readonly path: string;
  /** `pvh`: the extracted vmlinux, entered directly; `bzimage`: the image as installed. */
  readonly entry: 'pvh' | 'bzimage';
}

/** The start of an XZ stream. */
const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);

/**
 * The ELF note qemu looks for: name "Xen", type 18 (XEN_ELFNOTE_PHYS32_ENTRY), the 32-bit
 * PVH entry point. As bytes: namesz 4, descsz (any), type 18, "Xen\0".
 */
function hasPvhNote(elf: Buffer): boolean {
  const marker = Buffer.from([0x12, 0x00, 0x00, 0x00, 0x58, 0x65, 0x6e, 0x00]);
  for (let at = elf.indexOf(marker); at >= 8; at = elf.indexOf(marker, at + 1)) {
    if (elf.readUInt32LE(at - 8) === 4) return true;
  }
  return false;
}

/** Decompresses the XZ stream that starts at `offset` of `image` into `target` with `xz`. */
async function decompressXz(image: Buffer, offset: number, target: string): Promise<boolean> {
  const xz = spawn('xz', ['--decompress', '--stdout', '--single-stream'], { stdio: ['pipe', 'pipe', 'ignore'] });
  const exited = new Promise<boolean>((resolve) => {
    xz.on('error', () => resolve(false)); // xz missing
    xz.on('close', (code) => resolve(code === 0));
  });
  const written = pipeline(xz.stdout, createWriteStream(target)).then(() => true, () => false);
  // Bytes after the stream (the rest of the bzImage) are ignored by --single-stream; xz may
  // stop reading before the end, so a broken pipe on stdin is expected.
  xz.stdin.on('error', () => {});
  xz.stdin.end(image.subarray(offset));
  const [ok, complete] = await Promise.all([exited, written]);
  return ok && complete;
}

/**
 * Removes the vmlinux of earlier builds of the same kernel version (a reinstalled package has
 * a new mtime): 65 MB each, of no further use. qemu has read its kernel before the guest
 * starts, so a run in progress does not need its file any more.
 */
async function removeOtherBuilds(cacheDirectory: string, version: string, keep: string): Promise<void> {
  const prefix = `vmlinux-${version}-`;
  for (const entry of await readdir(cacheDirectory)) {
    const path = join(cacheDirectory, entry);
    if (entry.startsWith(prefix) && path !== keep && !entry.endsWith('.partial')) await rm(path, { force: true });
  }
}

/**
 * The kernel to boot for `kernel`: its vmlinux from `cacheDirectory` (extracted on first use,
 * keyed by version, size and mtime of the image), or the bzImage when it has no XZ payload,
 * `xz` is missing, or the payload has no PVH entry point. Never throws for those: the
 * bzImage always boots, only slower.
 */
export async function bootableKernel(kernel: VmKernel, cacheDirectory: string): Promise<BootableKernel> {
  const bzImage: BootableKernel = { path: kernel.image, entry: 'bzimage' };
  const info = await stat(kernel.image);
  const base = join(cacheDirectory, `vmlinux-${kernel.version}-${info.size}-${Math.trunc(info.mtimeMs)}`);
  const notBootable = `${base}.not-pvh`;
  try {
    await stat(base);
    return { path: base, entry: 'pvh' };
  } catch {
    // Not extracted yet.
  }
  try {
    await stat(notBootable);
    return bzImage;
  } catch {
    // Not tried yet.
  }
  await mkdir(cacheDirectory, { recursive: true });
  const image = await readFile(kernel.image);
  const offset = image.indexOf(XZ_MAGIC);
  const partial = `${base}.${randomUUID()}.partial`;
  try {
    if (offset < 0 || !(await decompressXz(image, offset, partial))) return bzImage;
    const elf = await readFile(partial);
    if (elf.readUInt32BE(0) !== 0x7f454c46 || !hasPvhNote(elf)) {
      await writeFile(notBootable, 'the payload of this image has no PVH entry point; qemu boots the bzImage\n');
      return bzImage;
    }
    // Renamed into place only when complete, so a concurrent run never boots half a file.
    await rename(partial, base);
    await removeOtherBuilds(cacheDirectory, kernel.version, base);
    return { path: base, entry: 'pvh' };
  } finally {
    await rm(partial, { force: true });
  }
}
