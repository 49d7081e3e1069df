/**
 * One command in a fresh kernel VM: check the machine, get the kernel and initramfs (cached),
 * hand the command over through the results share, boot qemu, follow the output, and return
 * the command's exit code once the guest has powered off.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandRunner } from '../../core/ports/command-runner.js';
import { ExecCommandRunner } from '../../exec/exec-command-runner.js';
import { checkKernelVm } from './availability.js';
import { KernelVmError } from './errors.js';
import { FileTail } from './file-tail.js';
import { defaultGuestEnvironment, encodeGuestCommand } from './guest-command.js';
import {
  COMMAND_STARTED,
  CONTROL_DIRECTORY,
  CONTROL_FILES,
  GUEST_RESULTS_DIRECTORY,
  INIT_FAILED,
  OUTPUT_DIRECTORY,
  PROGRAMS_DIRECTORY,
  PROGRAMS_DIRECTORY_VARIABLE,
} from './guest-layout.js';
import { buildGuestPrograms } from './guest-programs.js';
import { guestExecScript } from './guest-scripts.js';
import { cachedInitramfs, DEFAULT_VM_CACHE_DIRECTORY } from './initramfs.js';
import { bootableKernel } from './kernel-image.js';
import { DEFAULT_VM_MODULES } from './modules.js';
import { qemuArguments } from './qemu-arguments.js';

/** Where the guest finds the run's {@link KernelVmRunOptions.programs}: `$KUBE_ROUTER_VM_PROGRAMS`. */
export const GUEST_PROGRAMS_DIRECTORY = `${GUEST_RESULTS_DIRECTORY}/${PROGRAMS_DIRECTORY}`;

/** The path inside the guest of the program built under `name` (see {@link KernelVmRunOptions.programs}). */
export function guestProgramPath(name: string): string {
  return `${GUEST_PROGRAMS_DIRECTORY}/${name}.mjs`;
}

/** How long a run may take, boot included, unless told otherwise. */
export const DEFAULT_VM_TIMEOUT_MS = 300_000;

/** The console is kept up to this size (its end), so a chatty guest cannot exhaust memory. */
const MAX_CONSOLE_CHARS = 1024 * 1024;

/** Output files and left files larger than this are cut when read back. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

/** What to run and how. */
export interface KernelVmRunOptions {
  /** Program and arguments, run inside the guest with the host's root as its root; its standard input is empty. */
  readonly command: readonly string[];
  /** Working directory (a host path the guest sees, not under /run, /proc, /sys, /dev); default `/`. */
  readonly cwd?: string;
  /**
   * The command's whole environment; default {@link defaultGuestEnvironment}. `KUBE_ROUTER_VM_OUT` is always added,
   * `KUBE_ROUTER_VM_PROGRAMS` when there are {@link programs}.
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * TypeScript (or JavaScript) programs to bundle on the host before boot, by name: entry
   * files, relative ones against `cwd`. The guest finds them as
   * `$KUBE_ROUTER_VM_PROGRAMS/NAME.mjs` ({@link guestProgramPath}) and runs them with plain
   * `node`, which starts in about a sixth of the time `node --import tsx FILE.ts` takes under
   * emulation (see guest-programs.ts). Packages are imported from the host's node_modules,
   * and each module's `import.meta.url` is its source file's.
   */
  readonly programs?: Readonly<Record<string, string>>;
  /** Kill qemu after this long, boot included; default 300 s. */
  readonly timeoutMs?: number;
  /** Guest memory; default 1024 MiB. */
  readonly memoryMiB?: number;
  /** Modules to load at boot (default {@link DEFAULT_VM_MODULES}); others load on demand. */
  readonly modules?: readonly string[];
  /** Boot this installed kernel version (default: the newest). */
  readonly kernelVersion?: string;
  /** Extra words for the kernel command line. */
  readonly kernelArguments?: readonly string[];
  /**
   * Boot the installed bzImage as it is instead of the vmlinux extracted from it: 4 to 6 s
   * slower under emulation (the kernel decompresses itself); for comparison, and for a
   * kernel whose extracted vmlinux does not boot.
   */
  readonly bootBzImage?: boolean;
  /** Where the extracted kernel and initramfs are cached; default `/var/cache/kube-router/kernel-vm`. */
  readonly cacheDirectory?: string;
  /** Called with the command's standard output as it is written. */
  readonly onStdout?: (chunk: Buffer) => void;
  /** Called with the command's standard error as it is written. */
  readonly onStderr?: (chunk: Buffer) => void;
  /** Called with the guest's serial console (init's messages, kernel warnings) as it arrives. */
  readonly onConsole?: (text: string) => void;
  /** Kills the VM when it fires. */
  readonly signal?: AbortSignal;
  /** Runs the host's modprobe when an initramfs is built; default the real one. */
  readonly runner?: CommandRunner;
}

/** What a run produced. Times are wall-clock seconds measured on the host unless named otherwise. */
export interface KernelVmResult {
  /** The command's exit status (128 + N when signal N ended it); the VM's result. */
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The guest's serial console. */
  readonly console: string;
  /** Regular files the command left in `$KUBE_ROUTER_VM_OUT`, by name, as UTF-8 text. */
  readonly files: Readonly<Record<string, string>>;
  /** The kernel that ran, e.g. `6.1.0-57-amd64`. */
  readonly kernelVersion: string;
  /** How qemu entered the kernel: `pvh` (the extracted vmlinux) or `bzimage`. */
  readonly kernelEntry: 'pvh' | 'bzimage';
  /** True when the initramfs came from the cache. */
  readonly initramfsCached: boolean;
  /** Checking the machine, getting kernel and initramfs ready and building the programs, before qemu starts. */
  readonly prepareSeconds: number;
  /** From starting qemu to the guest starting the command. */
  readonly bootSeconds: number;
  /** The guest's own uptime when the command started (its clock runs slower than the host's under emulation). */
  readonly guestUptimeSeconds: number;
  /** From the command starting to qemu having exited (the command, then power-off). */
  readonly commandSeconds: number;
  /** The whole call. */
  readonly totalSeconds: number;
}

/**
 * The first {@link MAX_FILE_BYTES} of a regular file the guest wrote, or undefined when there
 * is none. The guest is root on the results share and could leave a symlink or a device node
 * under the expected name; the host reads neither (O_NOFOLLOW, then a regular-file check on
 * the open file).
 */
async function readCapped(path: string): Promise<string | undefined> {
  let file;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const info = await file.stat();
    if (!info.isFile()) return undefined;
    const data = Buffer.alloc(Math.min(info.size, MAX_FILE_BYTES));
    const { bytesRead } = await file.read(data, 0, data.length, 0);
    return data.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
}

async function readLeftFiles(directory: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(directory, { withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue;
    const text = await readCapped(join(directory, entry.name));
    if (text !== undefined) files[entry.name] = text;
  }
  return files;
}

/** The last `count` lines of `text`, for error messages. */
function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join(' | ');
}

async function checkDirectory(cwd: string): Promise<void> {
  const info = await stat(cwd).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) throw new KernelVmError('config', `working directory ${cwd} does not exist on the host, so not in the VM either`);
}

interface QemuOutcome {
  readonly console: string;
  readonly qemuStderr: string;
  readonly startedAt: number | undefined;
  readonly guestUptime: number;
  readonly endedAt: number;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly spawnError: Error | undefined;
}

/** Starts qemu, keeps the console, and waits for it to exit or be killed. */
function runQemu(qemu: string, args: readonly string[], options: KernelVmRunOptions, timeoutMs: number): Promise<QemuOutcome> {
  return new Promise((resolve) => {
    // No stdin: with `-monitor none` nothing reads it, and the guest has no input.
    const child = spawn(qemu, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let serial = '';
    let qemuStderr = '';
    let startedAt: number | undefined;
    let guestUptime = 0;
    let timedOut = false;
    let aborted = false;
    let spawnError: Error | undefined;
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    const onAbort = (): void => {
      aborted = true;
      kill();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      serial = (serial + text).slice(-MAX_CONSOLE_CHARS);
      if (startedAt === undefined) {
        const started = COMMAND_STARTED.exec(serial);
        if (started) {
          startedAt = performance.now();
          guestUptime = Number(started[1]);
        }
      }
      options.onConsole?.(text);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      qemuStderr = (qemuStderr + text).slice(-MAX_CONSOLE_CHARS);
    });
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ console: serial, qemuStderr, startedAt, guestUptime, endedAt: performance.now(), timedOut, aborted, spawnError });
    });
  });
}

/**
 * Runs `options.command` in a fresh VM booting Debian's kernel under qemu's software
 * emulation, with the host's root shared read-only (under a RAM overlay, so writes inside
 * stay inside) and no network device. Resolves with the command's exit code and output
 * once the guest has powered off; a command that fails is a result, not an error.
 *
 * Node starts slowly under emulation, and `node --import tsx` slower still (about 16 s for a
 * program importing the backends, against 1 s for `node -e 0`): give TypeScript programs as
 * {@link KernelVmRunOptions.programs} and run them with plain `node` from
 * `$KUBE_ROUTER_VM_PROGRAMS` (about 2.5 s); they are bundled on the host before boot.
 * @throws KernelVmError `unavailable` (see {@link checkKernelVm}), `config` (a bad command or
 *   working directory, a program that cannot be built), `boot` (the guest stopped before the
 *   command finished), `timeout`, `aborted`
 */
export async function runInKernelVm(options: KernelVmRunOptions): Promise<KernelVmResult> {
  const calledAt = performance.now();
  if (options.signal?.aborted) throw new KernelVmError('aborted', 'the kernel VM run was aborted before it started');
  const availability = await checkKernelVm({ kernelVersion: options.kernelVersion });
  if (!availability.available) throw new KernelVmError('unavailable', `the kernel VM cannot run here: ${availability.reasons.join('; ')}`);
  const cwd = options.cwd ?? '/';
  const programs = options.programs ?? {};
  const hasPrograms = Object.keys(programs).length > 0;
  const env = { ...(options.env ?? defaultGuestEnvironment()), ...(hasPrograms ? { [PROGRAMS_DIRECTORY_VARIABLE]: GUEST_PROGRAMS_DIRECTORY } : {}) };
  const argv = encodeGuestCommand({ command: options.command, cwd, env });
  await checkDirectory(cwd);

  const cacheDirectory = options.cacheDirectory ?? DEFAULT_VM_CACHE_DIRECTORY;
  const kernel = options.bootBzImage
    ? { path: availability.kernel.image, entry: 'bzimage' as const }
    : await bootableKernel(availability.kernel, cacheDirectory);
  const initramfs = await cachedInitramfs(
    options.runner ?? new ExecCommandRunner(),
    { kernel: availability.kernel, busybox: availability.busybox, modules: options.modules ?? DEFAULT_VM_MODULES, modprobe: availability.modprobe },
    cacheDirectory,
  );

  // mkdtemp makes it 0700: what the guest's root creates in it (the share maps the guest's
  // owners and modes through) stays out of reach of other users on the host.
  const results = await mkdtemp(join(tmpdir(), 'kube-router-vm-'));
  try {
    const control = join(results, CONTROL_DIRECTORY);
    await mkdir(control);
    await mkdir(join(results, OUTPUT_DIRECTORY));
    if (hasPrograms) await buildGuestPrograms(programs, join(results, PROGRAMS_DIRECTORY), cwd);
    await writeFile(join(control, CONTROL_FILES.argv), argv);
    await writeFile(join(control, CONTROL_FILES.exec), guestExecScript());
    const tails = [
      new FileTail(join(control, CONTROL_FILES.stdout), (chunk) => options.onStdout?.(chunk)),
      new FileTail(join(control, CONTROL_FILES.stderr), (chunk) => options.onStderr?.(chunk)),
    ];
    if (options.onStdout || options.onStderr) for (const tail of tails) tail.start();

    const args = qemuArguments({
      kernel: kernel.path,
      initramfs: initramfs.path,
      resultsDirectory: results,
      memoryMiB: options.memoryMiB,
      kernelArguments: options.kernelArguments,
    });
    const spawnedAt = performance.now();
    const outcome = await runQemu(availability.qemu, args, options, options.timeoutMs ?? DEFAULT_VM_TIMEOUT_MS);
    if (options.onStdout || options.onStderr) await Promise.all(tails.map((tail) => tail.stop()));

    if (outcome.spawnError) throw new KernelVmError('boot', `qemu could not be started: ${outcome.spawnError.message}`);
    if (outcome.timedOut) {
      throw new KernelVmError('timeout', `the kernel VM did not finish within ${Number(((options.timeoutMs ?? DEFAULT_VM_TIMEOUT_MS) / 1000).toFixed(1))} s; qemu was killed`, outcome.console);
    }
    if (outcome.aborted) throw new KernelVmError('aborted', 'the kernel VM run was aborted; qemu was killed', outcome.console);
    const exitText = await readCapped(join(control, CONTROL_FILES.exitCode));
    const exitCode = Number(exitText?.trim());
    if (exitText === undefined || !Number.isInteger(exitCode)) {
      const why = INIT_FAILED.exec(outcome.console)?.[1]
        ?? (outcome.qemuStderr.trim() !== '' ? `qemu: ${lastLines(outcome.qemuStderr, 3)}` : `console: ${lastLines(outcome.console, 5)}`);
      throw new KernelVmError('boot', `the kernel VM stopped before the command finished (${why})`, outcome.console);
    }
    const startedAt = outcome.startedAt ?? outcome.endedAt;
    return {
      exitCode,
      stdout: (await readCapped(join(control, CONTROL_FILES.stdout))) ?? '',
      stderr: (await readCapped(join(control, CONTROL_FILES.stderr))) ?? '',
      console: outcome.console,
      files: await readLeftFiles(join(results, OUTPUT_DIRECTORY)),
      kernelVersion: availability.kernel.version,
      kernelEntry: kernel.entry,
      initramfsCached: initramfs.cached,
      prepareSeconds: (spawnedAt - calledAt) / 1000,
      bootSeconds: (startedAt - spawnedAt) / 1000,
      guestUptimeSeconds: outcome.guestUptime,
      commandSeconds: (outcome.endedAt - startedAt) / 1000,
      totalSeconds: (performance.now() - calledAt) / 1000,
    };
  } finally {
    await rm(results, { recursive: true, force: true });
  }
}
