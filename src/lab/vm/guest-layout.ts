/**
 * Names the host and the guest agree on: the 9p mount tags, where the shares appear inside
 * the guest, the files of the results share, and the console lines the host reads.
 */

/** The 9p tag of the host's root, shared read-only. */
export const HOST_ROOT_TAG = 'hostroot';

/** The 9p tag of the per-run host directory the guest writes its results to. */
export const RESULTS_TAG = 'results';

/** Where the results share is mounted, as seen by the command (inside the host's root). */
export const GUEST_RESULTS_DIRECTORY = '/run/kube-router-vm';

/** Subdirectory of the results share with what the host hands in and the guest hands back. */
export const CONTROL_DIRECTORY = 'control';

/** Subdirectory of the results share where the command may leave files for the caller. */
export const OUTPUT_DIRECTORY = 'out';

/** Subdirectory of the results share holding the guest programs built on the host (see guest-programs.ts). */
export const PROGRAMS_DIRECTORY = 'programs';

/** The environment variable naming the programs directory inside the guest (`/run/kube-router-vm/programs`), set when a run has programs. */
export const PROGRAMS_DIRECTORY_VARIABLE = 'KUBE_ROUTER_VM_PROGRAMS';

/** Files in {@link CONTROL_DIRECTORY}. */
export const CONTROL_FILES = {
  /** The command: NUL-terminated strings, read by xargs so no shell ever parses them. */
  argv: 'argv',
  /** The fixed script xargs runs with those strings. */
  exec: 'exec.sh',
  stdout: 'stdout',
  stderr: 'stderr',
  /** The command's exit status as decimal text, written once it has exited. */
  exitCode: 'exit-code',
} as const;

/** The environment variable that tells the command where to leave files for the caller (the results share's `out`). */
export const OUTPUT_DIRECTORY_VARIABLE = 'KUBE_ROUTER_VM_OUT';

/** Prefix of the init's console lines; the host looks for these and only these. */
export const CONSOLE_MARKER = 'kube-router-vm:';

/**
 * `kube-router-vm: command started uptime=3.21`: the guest's uptime when the command started.
 * Up to the line's end, because the console arrives in pieces and `uptime=3` may be all there is yet.
 */
export const COMMAND_STARTED = /kube-router-vm: command started uptime=([0-9.]+)\r?\n/;

/** `kube-router-vm: failed: REASON`: the init gave up before the command could run. */
export const INIT_FAILED = /kube-router-vm: failed: ([^\r\n]*)/;
