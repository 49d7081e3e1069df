/**
 * Typed errors of the library. Each says what went wrong in terms a user can act on; none
 * carries a stack-worthy surprise for the CLI to print.
 */

/** Bad configuration or input given by the user: a missing manifest path, a bad flag value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * A backend command failed: carries what was run and what the kernel tool said, so a log
 * line is enough to reproduce it.
 */
export class BackendError extends Error {
  override readonly name = 'BackendError';

  /**
   * @param command the program run, e.g. `iptables-restore`
   * @param args its arguments
   * @param exitCode the exit code, or undefined when it did not exit (timeout, signal, spawn failure)
   * @param stderr what it printed on standard error
   * @param reason a short reason when there is no exit code (`timeout`, `ENOENT`, a signal)
   */
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    readonly reason?: string,
  ) {
    super(BackendError.describe(command, args, exitCode, stderr, reason));
  }

  private static describe(
    command: string,
    args: readonly string[],
    exitCode: number | undefined,
    stderr: string,
    reason: string | undefined,
  ): string {
    const how = exitCode === undefined ? (reason ?? 'failed') : `exit code ${exitCode}`;
    const said = stderr.trim() ? `: ${stderr.trim().split('\n').slice(0, 5).join(' | ')}` : '';
    return `${[command, ...args].join(' ')} failed (${how})${said}`;
  }
}
