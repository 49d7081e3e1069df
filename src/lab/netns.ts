import { readdir, readlink, stat } from 'node:fs/promises';
import type { CommandRunner, RunOptions, RunResult } from '../core/ports/command-runner.js';
import { LabError } from './errors.js';
import type { NetnsBatch } from './ip-batches.js';

/** Where iproute2 mounts named network namespaces. */
const NETNS_DIR = '/run/netns';

/** Names of all named network namespaces on the machine (`ip netns list`). */
export async function listNetns(runner: CommandRunner): Promise<string[]> {
  const { stdout } = await runner.run('ip', ['netns', 'list']);
  // Lines look like `name (id: 3)` or just `name`.
  return stdout.split('\n').map((line) => line.trim().split(/\s+/)[0] ?? '').filter((name) => name !== '');
}

/** Creates namespaces with one `ip` process (`netns add` lines in batch mode). */
export async function addNetns(runner: CommandRunner, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await runner.run('ip', ['-batch', '-'], { input: names.map((name) => `netns add ${name}\n`).join('') });
}

/**
 * Deletes namespaces with one `ip` process; `-force` goes on past a name that is already gone,
 * so a half-built lab is removed as far as it exists. A name still listed afterwards (seen on a
 * loaded machine while a killed process was still leaving it) is deleted again, a few times.
 * @throws LabError naming what stayed and what `ip` said, when a namespace will not go
 */
export async function deleteNetns(runner: CommandRunner, names: readonly string[]): Promise<void> {
  let left = [...names];
  let said = '';
  for (let attempt = 0; left.length > 0; attempt++) {
    if (attempt > 0) {
      if (attempt > DELETE_RETRIES) {
        throw new LabError(`network namespaces ${left.join(', ')} could not be deleted: ${said.trim() || 'ip netns delete gave no reason'}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
    const result = await runner.run('ip', ['-force', '-batch', '-'], {
      input: left.map((name) => `netns delete ${name}\n`).join(''),
      allowedExitCodes: [1],
    });
    said = result.stderr;
    const listed = new Set(await listNetns(runner));
    left = left.filter((name) => listed.has(name));
  }
}

/** How many times a namespace that is still listed after `netns delete` is deleted again. */
const DELETE_RETRIES = 5;

/** Runs one batch of `ip` commands inside its namespace. */
export async function runBatch(runner: CommandRunner, batch: NetnsBatch): Promise<void> {
  if (batch.lines.length === 0) return;
  await runner.run('ip', ['-n', batch.netns, '-batch', '-'], { input: batch.lines.map((line) => `${line}\n`).join('') });
}

/** Runs `argv` inside `netns` (`ip netns exec`, no shell). */
export function execInNetns(
  runner: CommandRunner,
  netns: string,
  argv: readonly string[],
  options?: RunOptions,
): Promise<RunResult> {
  if (argv.length === 0) throw new RangeError('exec needs a program to run');
  return runner.run('ip', ['netns', 'exec', netns, ...argv], options);
}

/**
 * Process ids of every process whose network namespace is one of `names`, found by comparing
 * namespace inodes under /proc: one pass, no process started per namespace.
 */
export async function pidsInNetns(names: readonly string[]): Promise<number[]> {
  const inodes = new Set<number>();
  for (const name of names) {
    try {
      inodes.add((await stat(`${NETNS_DIR}/${name}`)).ino);
    } catch {
      // Already gone.
    }
  }
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const link = await readlink(`/proc/${entry}/ns/net`);
      const inode = Number(/\[(\d+)\]/.exec(link)?.[1]);
      if (inodes.has(inode)) pids.push(Number(entry));
    } catch {
      // The process exited while we looked, or is not ours to read.
    }
  }
  return pids;
}
