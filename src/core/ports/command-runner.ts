/** Options of one command run. */
export interface RunOptions {
  /** Written to the command's standard input, then closed (iptables-restore, nft -f -). */
  readonly input?: string;
  /** Kill the command after this many milliseconds; the run then fails with reason `timeout`. */
  readonly timeoutMs?: number;
  /** Exit codes that count as success besides 0 (e.g. `ip netns del` of a missing namespace). */
  readonly allowedExitCodes?: readonly number[];
}

/** What a finished command produced. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/**
 * The port through which every kernel tool is run. Implementations execute the program
 * directly (execFile semantics): arguments are passed as a vector, never through a shell, so
 * names from the cluster can never become code.
 *
 * A run whose exit code is not 0 (nor allowed) rejects with a `BackendError` that carries the
 * command, arguments, exit code and standard error.
 */
export interface CommandRunner {
  /**
   * Runs `command` with `args` (no shell) and resolves with its output once it exits.
   * @throws BackendError on a non-zero exit, a timeout or a program that cannot be started
   */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

/** Injection token for the `CommandRunner` (tsyringe). */
export const COMMAND_RUNNER = Symbol.for('kube-router.CommandRunner');
