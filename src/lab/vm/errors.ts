/** What went wrong with a kernel VM run, as a code callers can branch on. */
export type KernelVmFailure =
  /** The VM cannot run on this machine: qemu, the kernel image or busybox missing, not root. */
  | 'unavailable'
  /** The request or the host's setup is wrong: an empty command, a working directory the guest cannot see. */
  | 'config'
  /** The guest stopped before the command finished: a failed mount, a kernel panic, qemu failing to start. */
  | 'boot'
  /** The run took longer than its timeout; qemu was killed. */
  | 'timeout'
  /** The caller's AbortSignal fired; qemu was killed. */
  | 'aborted';

/**
 * A kernel VM run failed before the command's own exit code could be reported. (A command
 * that runs and fails is not an error: its exit code is the result.) `console` holds the
 * guest's serial console, which shows why a boot failed.
 */
export class KernelVmError extends Error {
  override readonly name = 'KernelVmError';

  /**
   * @param failure what kind of failure this is
   * @param message one line a user can act on
   * @param console the guest's serial console up to the failure, when it had started
   */
  constructor(
    readonly failure: KernelVmFailure,
    message: string,
    readonly console = '',
  ) {
    super(message);
  }
}
