/**
 * How a command and its environment travel into the guest: as one file of NUL-terminated
 * strings that the guest's xargs turns back into an argument vector. No shell ever parses
 * them, so any argument (quotes, `$`, newlines) arrives exactly as given.
 */
import { isAbsolute, normalize } from 'node:path';
import { KernelVmError } from './errors.js';
import { GUEST_RESULTS_DIRECTORY, OUTPUT_DIRECTORY, OUTPUT_DIRECTORY_VARIABLE } from './guest-layout.js';

/** What runs in the guest. */
export interface GuestCommand {
  /** Program and arguments; the program is looked up on the guest's `PATH`. */
  readonly command: readonly string[];
  /** Absolute working directory inside the guest (the host's path: the guest sees the host's root). */
  readonly cwd: string;
  /** The whole environment of the command; nothing else is inherited. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Host directories the guest does not see: it mounts its own proc, sys, dev and a fresh
 * tmpfs on /run over them. (/tmp is the host's, under the guest's RAM overlay.)
 */
export const HIDDEN_IN_GUEST: readonly string[] = ['/proc', '/sys', '/dev', '/run'];

/** xargs in the guest is told to take at most this many bytes (`-s`), and to refuse more (`-x`): one run, never split. */
export const MAX_COMMAND_BYTES = 131_072;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when the guest sees `path` as the host does: absolute and not under a directory it mounts over. */
export function visibleInGuest(path: string): boolean {
  if (!isAbsolute(path)) return false;
  const normal = normalize(path);
  return !HIDDEN_IN_GUEST.some((hidden) => normal === hidden || normal.startsWith(`${hidden}/`));
}

/**
 * The environment a command gets when the caller gives none: this process' `PATH` (the guest
 * runs the host's programs, so the host's PATH finds them), `HOME`, a UTF-8 locale and
 * `TERM=dumb` (the output goes to files, not a terminal).
 */
export function defaultGuestEnvironment(hostEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return {
    PATH: hostEnv['PATH'] ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: hostEnv['HOME'] ?? '/root',
    LANG: hostEnv['LANG'] ?? 'C.UTF-8',
    TERM: 'dumb',
  };
}

/**
 * The environment entries of `env` that can be passed on: names of letters, digits and
 * underscores (what a shell can name), without a NUL in the value. For passing this
 * process' whole environment, where odd names may exist and are best left out.
 */
export function passableEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const passable: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && ENV_NAME.test(name) && !value.includes('\0')) passable[name] = value;
  }
  return passable;
}

/**
 * The NUL-separated strings the guest's exec script receives: the working directory, then
 * `/usr/bin/env -i -- NAME=VALUE... PROGRAM ARGS...`, with `KUBE_ROUTER_VM_OUT` added to the
 * environment. `env -i` starts from an empty environment, so the guest's init leaks nothing in.
 * @throws KernelVmError (`config`) for an empty command, a program name containing `=` (env
 *   would take it for a variable), a NUL in any string, a bad variable name, a relative or
 *   hidden working directory, or more than {@link MAX_COMMAND_BYTES} in all
 */
export function encodeGuestCommand(guest: GuestCommand): Buffer {
  const [program] = guest.command;
  if (program === undefined || program === '') throw new KernelVmError('config', 'the VM needs a command to run');
  if (program.includes('=')) throw new KernelVmError('config', `the program name "${program}" contains "="; give its path without one`);
  if (!visibleInGuest(guest.cwd)) {
    throw new KernelVmError('config', `working directory ${guest.cwd} is not visible in the VM (it must be absolute and not under ${HIDDEN_IN_GUEST.join(', ')})`);
  }
  const env: Record<string, string> = { ...guest.env, [OUTPUT_DIRECTORY_VARIABLE]: `${GUEST_RESULTS_DIRECTORY}/${OUTPUT_DIRECTORY}` };
  const badNames = Object.keys(env).filter((name) => !ENV_NAME.test(name));
  if (badNames.length > 0) throw new KernelVmError('config', `not environment variable names: ${badNames.join(', ')}`);
  const assignments = Object.keys(env).sort().map((name) => `${name}=${env[name] as string}`);
  const strings = [normalize(guest.cwd), '/usr/bin/env', '-i', '--', ...assignments, ...guest.command];
  if (strings.some((value) => value.includes('\0'))) throw new KernelVmError('config', 'arguments and environment values cannot contain a NUL byte');
  const encoded = Buffer.from(strings.map((value) => `${value}\0`).join(''), 'utf8');
  // xargs counts the exec script and its own arguments as well; keep a margin below its limit.
  if (encoded.length > MAX_COMMAND_BYTES - 4096) {
    throw new KernelVmError('config', `the command and its environment take ${encoded.length} bytes; the VM takes at most ${MAX_COMMAND_BYTES - 4096}`);
  }
  return encoded;
}
