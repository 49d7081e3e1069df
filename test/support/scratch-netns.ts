import { randomBytes } from 'node:crypto';
import { after, before } from 'mocha';
import { ExecCommandRunner } from '../../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../../src/exec/netns-command-runner.js';
import { skipUnlessRoot } from '../lab/root-helpers.js';

/** An empty network namespace of a suite's own, and runners for it. */
export interface ScratchNetns {
  /** Its name: the prefix, six random hex digits, the suffix. */
  readonly netns: string;
  /** Runs commands in this process's namespace (to add and delete the namespace). */
  readonly exec: ExecCommandRunner;
  /** Runs commands inside the namespace. */
  readonly runner: NetnsCommandRunner;
}

/**
 * Registers mocha hooks that make an empty namespace before the suite (skipping it with a
 * printed reason when not root) and delete it after; the name is random so concurrent runs
 * and leftovers never collide. Call it inside a `describe`.
 */
export function useScratchNetns(prefix: string, timeoutMs: number, suffix = ''): ScratchNetns {
  const netns = `${prefix}${randomBytes(3).toString('hex')}${suffix}`;
  const exec = new ExecCommandRunner(timeoutMs);
  before(async function () {
    skipUnlessRoot(this);
    await exec.run('ip', ['netns', 'add', netns]);
  });
  after(async () => {
    await exec.run('ip', ['netns', 'del', netns], { allowedExitCodes: [1] });
  });
  return { netns, exec, runner: new NetnsCommandRunner(exec, netns) };
}
