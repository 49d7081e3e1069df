/**
 * `simulate --dataplane ipvs` on a kernel without IPVS: the same CLI run again inside the
 * kernel VM, whose kernel has IPVS, so the lab it builds there runs the agents' IPVS proxy.
 * The host hands the command over, the guest answers, and the host passes the answer on.
 */
import { fileURLToPath } from 'node:url';
import { checkKernelVm } from './vm/availability.js';
import { defaultGuestEnvironment, visibleInGuest } from './vm/guest-command.js';
import { DEFAULT_VM_MODULES } from './vm/modules.js';
import { guestProgramPath, runInKernelVm, type KernelVmResult } from './vm/run.js';
import { LabError } from './errors.js';

/**
 * Modules the IPVS proxy's first sync asks for, loaded at boot with the VM's defaults: under
 * emulation each one the kernel requests on demand costs a modprobe run over the 9p share,
 * while both agents wait in their first sync.
 */
export const IPVS_LAB_MODULES: readonly string[] = [
  'xt_ipvs',
  'xt_nat',
  'xt_tcpudp',
  'ipt_REJECT',
  'ip_set_hash_ipport',
  'ip_set_hash_ipportip',
  'ip_set_hash_ipportnet',
];

/** How long the guest may take unless told otherwise: boot, lab up, the traces and teardown under emulation. */
export const DATAPLANE_VM_TIMEOUT_MS = 420_000;

/** The program name the CLI's bundle gets in the guest when the CLI runs from its TypeScript sources. */
const GUEST_CLI_PROGRAM = 'kube-router';

/** How the guest starts this CLI, and what the host builds for it first. */
export interface GuestCli {
  /** The argv prefix the guest runs (`node ENTRY`). */
  readonly command: readonly string[];
  /** Programs to bundle before boot (see `KernelVmRunOptions.programs`); none for a compiled CLI. */
  readonly programs: Readonly<Record<string, string>>;
}

/**
 * The guest's way to run this CLI. A compiled CLI (the installed package runs `dist/`) runs
 * as it is, `cli` being the argv prefix it was started with. From the TypeScript sources
 * (under tsx) the CLI is bundled on the host and run with plain node: under emulation tsx
 * takes about 40 s to start the CLI, the bundle about 5 s, and the lab starts the CLI again
 * for every node agent. `ownUrl` is the URL of a module of this directory (its extension
 * tells compiled from source).
 */
export function guestCliOf(cli: readonly string[], ownUrl: string = import.meta.url): GuestCli {
  if (!ownUrl.endsWith('.ts')) return { command: [...cli], programs: {} };
  const entry = fileURLToPath(new URL('../cli/main.ts', ownUrl));
  return { command: [process.execPath, guestProgramPath(GUEST_CLI_PROGRAM)], programs: { [GUEST_CLI_PROGRAM]: entry } };
}

/** A CLI run in the kernel VM. */
export interface CliInKernelVmOptions {
  /** This CLI as an argv prefix on the host (`node [loader flags] .../main.js`). */
  readonly cli: readonly string[];
  /** The CLI's arguments after the prefix, e.g. `simulate -f /abs/path ... --dataplane ipvs`. */
  readonly args: readonly string[];
  /** Paths the arguments name: each must be visible in the guest. */
  readonly paths: readonly string[];
  /** Working directory; one the guest cannot see becomes `/`. */
  readonly cwd?: string;
  /** Default {@link DATAPLANE_VM_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
  /** Called with the guest command's standard output as it is written. */
  readonly onStdout?: (chunk: Buffer) => void;
  /** Called with the guest command's standard error as it is written. */
  readonly onStderr?: (chunk: Buffer) => void;
  /** Kills the VM when it fires. */
  readonly signal?: AbortSignal;
}

/**
 * Why the kernel VM cannot run here, as one line naming what is missing; undefined when it can.
 */
export async function kernelVmMissing(): Promise<string | undefined> {
  const found = await checkKernelVm();
  return found.available ? undefined : found.reasons.join('; ');
}

/**
 * Runs this CLI with `options.args` in a fresh kernel VM (host root read-only, IPVS in the
 * guest's kernel) and returns its result: exit code, output and boot and run times.
 * @throws LabError for a path the guest cannot see
 * @throws KernelVmError when the VM cannot run or stops before the command finished
 */
export async function runCliInKernelVm(options: CliInKernelVmOptions): Promise<KernelVmResult> {
  const hidden = options.paths.filter((path) => !visibleInGuest(path));
  if (hidden.length > 0) {
    throw new LabError(`the kernel VM does not see ${hidden.join(', ')} (it has its own /run, /proc, /sys and /dev): put the manifests elsewhere`);
  }
  const guest = guestCliOf(options.cli);
  const cwd = options.cwd !== undefined && visibleInGuest(options.cwd) ? options.cwd : '/';
  return runInKernelVm({
    command: [...guest.command, ...options.args],
    cwd,
    env: defaultGuestEnvironment(),
    programs: guest.programs,
    modules: [...DEFAULT_VM_MODULES, ...IPVS_LAB_MODULES],
    timeoutMs: options.timeoutMs ?? DATAPLANE_VM_TIMEOUT_MS,
    onStdout: options.onStdout,
    onStderr: options.onStderr,
    signal: options.signal,
  });
}
