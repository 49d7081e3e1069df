import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { Problem } from '../../core/model/index.js';
import { findManifestFiles, MANIFEST_EXTENSIONS } from '../../sources/manifest-files.js';
import { loadCluster, type LoadedCluster } from '../../sources/load-cluster.js';

/** The `-f` value that means standard input, as kubectl takes it. */
export const STDIN_PATH = '-';

/** How problems and messages name standard input. */
export const STDIN_NAME = '<stdin>';

/** The one message for a command that needs manifests and got no `-f`. */
export const MISSING_FILE_MESSAGE = 'give manifests with -f PATH (a file, a folder, or - for standard input)';

/** Reads all of a stream as UTF-8 text. */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function renamed(problem: Problem, from: string): Problem {
  const swap = (text: string | undefined): string | undefined => text?.split(from).join(STDIN_NAME);
  return { ...problem, name: swap(problem.name), message: swap(problem.message) ?? problem.message, origin: swap(problem.origin) };
}

/**
 * Checks that `paths` name at least one manifest file, so that an empty folder (or one with
 * no `.yaml`, `.yml` or `.json` file) is an error rather than an empty cluster.
 *
 * @throws ConfigError when a path does not exist or no manifest file is found
 */
export async function requireManifestFiles(paths: readonly string[]): Promise<void> {
  if (paths.length === 0) throw new ConfigError(MISSING_FILE_MESSAGE);
  const files = await findManifestFiles(paths);
  if (files.length === 0) {
    throw new ConfigError(`no manifests found in ${paths.join(', ')} (files ending in ${MANIFEST_EXTENSIONS.join(', ')})`);
  }
}

/**
 * Loads the manifests `-f` names, as `inspect` and one-shot `agent` read them: files and
 * folders, and `-` for standard input (read once, parsed as YAML, which JSON also is).
 * Problems name standard input `<stdin>`.
 *
 * @throws ConfigError when no `-f` was given, a path does not exist, or no manifest is found
 */
export async function loadClusterInput(paths: readonly string[], stdin: NodeJS.ReadableStream = process.stdin): Promise<LoadedCluster> {
  if (paths.length === 0) throw new ConfigError(MISSING_FILE_MESSAGE);
  const files = paths.filter((path) => path !== STDIN_PATH);
  if (files.length > 0) await requireManifestFiles(files);
  if (files.length === paths.length) return loadCluster(paths);
  if (paths.filter((path) => path === STDIN_PATH).length > 1) throw new ConfigError('-f - (standard input) can be given once');
  const text = await readAll(stdin);
  if (text.trim() === '') throw new ConfigError(`no manifests found on standard input`);
  // The loader reads paths: standard input goes through a private temporary file.
  const folder = await mkdtemp(join(tmpdir(), 'kube-router-stdin-'));
  const file = join(folder, 'stdin.yaml');
  try {
    await writeFile(file, text);
    const loaded = await loadCluster(paths.map((path) => (path === STDIN_PATH ? file : path)));
    return { ...loaded, problems: loaded.problems.map((problem) => renamed(problem, file)) };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
