import { access } from 'node:fs/promises';
import type { CommandRunner } from '../core/ports/command-runner.js';
import { ExecCommandRunner } from '../exec/exec-command-runner.js';
import { LabConfigError } from './errors.js';

/** Kernel features some lab runs need and this kernel may lack. */
export type KernelFeature = 'ipvs' | 'sctp';

/**
 * The file each feature shows once its module is in (per network namespace, but the module is
 * global): `/proc/net/ip_vs` for IPVS, `/proc/net/sctp` for SCTP sockets.
 */
const FEATURE_FILES: Record<KernelFeature, { module: string; file: string }> = {
  ipvs: { module: 'ip_vs', file: '/proc/net/ip_vs' },
  sctp: { module: 'sctp', file: '/proc/net/sctp' },
};

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * True when this kernel has `feature`: its `/proc/net` file is there, or appears after loading
 * its module (a module load, not a change of any namespace's network state).
 */
export async function kernelHas(feature: KernelFeature, runner: CommandRunner = new ExecCommandRunner()): Promise<boolean> {
  const { module, file } = FEATURE_FILES[feature];
  if (await exists(file)) return true;
  try {
    await runner.run('modprobe', [module]);
  } catch {
    return false;
  }
  return exists(file);
}

/**
 * Throws `LabConfigError` saying what `what` needs and what to use instead when the kernel lacks
 * `feature`.
 */
export async function requireKernelFeature(
  feature: KernelFeature,
  what: string,
  instead: string,
  runner?: CommandRunner,
): Promise<void> {
  if (await kernelHas(feature, runner)) return;
  const name = feature === 'ipvs' ? 'IPVS (module ip_vs)' : 'SCTP sockets (module sctp)';
  throw new LabConfigError([`${what} needs ${name}, which this kernel does not have: ${instead}`]);
}
