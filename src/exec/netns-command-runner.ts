import { ConfigError } from '../core/errors.js';
import type { CommandRunner, RunOptions, RunResult } from '../core/ports/command-runner.js';

// What `ip netns add` accepts and nothing that could be read as an option or a path.
const NETNS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/**
 * A `CommandRunner` that runs every command inside the network namespace `netns`, as
 * `ip netns exec NETNS COMMAND ARGS...` (an argument vector, never a shell string), through
 * an inner runner. Kernel tools that act on the current namespace (iptables-restore,
 * iptables-save, ipset) then program the node namespace; standard input passes through.
 *
 * Failures are those of the inner runner: a `BackendError` naming `ip` and the whole vector.
 */
export class NetnsCommandRunner implements CommandRunner {
  /**
   * @param inner the runner that starts `ip` (an `ExecCommandRunner` in production)
   * @param netns a named network namespace (`/run/netns/NETNS`)
   * @throws ConfigError when `netns` is not a plain namespace name
   */
  constructor(
    private readonly inner: CommandRunner,
    readonly netns: string,
  ) {
    if (!NETNS_NAME.test(netns)) throw new ConfigError(`not a network namespace name: ${JSON.stringify(netns)}`);
  }

  /** Runs `command args...` inside the namespace; see {@link CommandRunner.run}. */
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult> {
    return this.inner.run('ip', ['netns', 'exec', this.netns, command, ...args], options);
  }
}
