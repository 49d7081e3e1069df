import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Problem } from '../core/model/index.js';
import { fileProblem } from './manifest-problems.js';

/**
 * The largest manifest file read, in bytes (256 MiB). A larger one is a `File` problem, not
 * read: a `kubectl get -A -o json` of a large cluster is about 200 MB, and above this the
 * text alone nears what one JavaScript string may hold.
 */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/** A file's text, or the problem that kept it from being read. */
export type ManifestFileText = { readonly text: string } | { readonly problem: Problem };

/**
 * Reads one manifest file as UTF-8. The file is opened without blocking and examined before
 * it is read, so a FIFO or device (which would block forever) or a file above
 * {@link MAX_MANIFEST_BYTES} becomes a problem rather than a hang or an out-of-memory crash.
 *
 * @returns the text, or a `File` problem; `undefined` when the file is gone (ENOENT)
 */
export async function readManifestFile(path: string): Promise<ManifestFileText | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const info = await handle.stat();
    if (!info.isFile()) return { problem: fileProblem(path, `${path}: not a regular file; not read`) };
    if (info.size > MAX_MANIFEST_BYTES) {
      const mib = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MiB`;
      return { problem: fileProblem(path, `${path}: ${mib(info.size)} is above the ${mib(MAX_MANIFEST_BYTES)} a manifest file may have; not read (split it into several files)`) };
    }
    return { text: await handle.readFile('utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    return { problem: fileProblem(path, `${path}: cannot be read (${code ?? (error as Error).message})`) };
  } finally {
    await handle?.close();
  }
}
