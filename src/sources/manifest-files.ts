import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ConfigError } from '../core/errors.js';

/** File extensions read from directories. A file named explicitly is read whatever its name. */
export const MANIFEST_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

/**
 * The manifest files under `paths`, in load order: each path in the order given; a directory
 * is walked recursively, its entries in lexical order of their names (as `kubectl apply -f`
 * walks), keeping files with a {@link MANIFEST_EXTENSIONS | manifest extension}. Symbolic
 * links are followed; a directory reached twice is read once.
 *
 * @throws ConfigError when a path does not exist or cannot be read
 */
export async function findManifestFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const seenDirectories = new Set<string>();
  for (const path of paths) {
    const info = await statOrThrow(path);
    if (info.isDirectory()) await walk(path, files, seenDirectories);
    else files.push(path);
  }
  return files;
}

async function walk(directory: string, files: string[], seen: Set<string>): Promise<void> {
  const real = await realpath(directory);
  if (seen.has(real)) return;
  seen.add(real);
  const names = (await readdir(directory)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const path = join(directory, name);
    const info = await statOrThrow(path);
    if (info.isDirectory()) await walk(path, files, seen);
    else if (info.isFile() && MANIFEST_EXTENSIONS.includes(extname(name).toLowerCase())) files.push(path);
  }
}

async function statOrThrow(path: string): Promise<Awaited<ReturnType<typeof stat>>> {
  try {
    return await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError(`manifest path ${path} ${why}`, { cause: error });
  }
}
