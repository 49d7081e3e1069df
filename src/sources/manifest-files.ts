import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { Problem } from '../core/model/index.js';
import { fileProblem } from './manifest-problems.js';

/** File extensions read from directories. A file named explicitly is read whatever its name. */
export const MANIFEST_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

/** What {@link findManifestEntries} found: the files to read, and the entries that could not be walked. */
export interface ManifestEntries {
  /** Regular files, in load order. */
  readonly files: readonly string[];
  /** One `File` problem per entry that could not be read (unreadable folder, dangling link, FIFO). */
  readonly problems: readonly Problem[];
}

/**
 * The manifest files under `paths`, in load order: each path in the order given; a directory
 * is walked recursively, its entries in lexical order of their names (as `kubectl apply -f`
 * walks), keeping regular files with a {@link MANIFEST_EXTENSIONS | manifest extension}.
 * Symbolic links are followed; a directory reached twice is read once.
 *
 * Entries whose name starts with `..` are skipped: that is how the kubelet lays out a
 * mounted ConfigMap or Secret (`..data` links to a timestamped `..2026_...` folder, and each
 * key is a top-level link into `..data`), so each object is read once, through its key.
 *
 * An entry that cannot be walked does not stop the walk: an unreadable folder, a dangling or
 * looping link, a FIFO or device with a manifest extension (never opened, so nothing blocks)
 * each become a `File` problem, and the rest is read.
 *
 * @throws ConfigError when a path given does not exist or cannot be examined at all
 */
export async function findManifestEntries(paths: readonly string[]): Promise<ManifestEntries> {
  const files: string[] = [];
  const problems: Problem[] = [];
  const seenDirectories = new Set<string>();
  for (const path of paths) {
    const info = await statOrThrow(path);
    if (info.isDirectory()) await walk(path, { files, problems, seen: seenDirectories });
    else if (info.isFile()) files.push(path);
    else problems.push(fileProblem(path, `${path}: not a regular file (${fileType(info)}); not read`));
  }
  return { files, problems };
}

/**
 * The files of {@link findManifestEntries}, without the problems: for callers that only list.
 *
 * @throws ConfigError when a path given does not exist or cannot be examined at all
 */
export async function findManifestFiles(paths: readonly string[]): Promise<string[]> {
  return [...(await findManifestEntries(paths)).files];
}

interface WalkState {
  readonly files: string[];
  readonly problems: Problem[];
  readonly seen: Set<string>;
}

async function walk(directory: string, state: WalkState): Promise<void> {
  let names: string[];
  try {
    const real = await realpath(directory);
    if (state.seen.has(real)) return;
    state.seen.add(real);
    names = await readdir(directory);
  } catch (error) {
    state.problems.push(fileProblem(directory, `${directory}: folder cannot be read (${errorCode(error)}); its files are not loaded`));
    return;
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    if (name.startsWith('..')) continue;
    const path = join(directory, name);
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      const code = errorCode(error);
      const why = code === 'ENOENT' ? 'a link to nothing' : code === 'ELOOP' ? 'a link that loops' : `cannot be read (${code})`;
      state.problems.push(fileProblem(path, `${path}: ${why}; not read`));
      continue;
    }
    const manifestName = MANIFEST_EXTENSIONS.includes(extname(name).toLowerCase());
    if (info.isDirectory()) await walk(path, state);
    else if (info.isFile()) {
      if (manifestName) state.files.push(path);
    } else if (manifestName) {
      state.problems.push(fileProblem(path, `${path}: not a regular file (${fileType(info)}); not read`));
    }
  }
}

function fileType(info: Awaited<ReturnType<typeof stat>>): string {
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a file';
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
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
