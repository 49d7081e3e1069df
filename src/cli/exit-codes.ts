/**
 * The exit codes `inspect` and `agent` share, printed at the end of `kube-router --help`.
 * Unreadable input (a file that cannot be read or parsed) is an error problem like a refused
 * object: both commands load the rest, list it, and exit 1.
 */
export const EXIT_CODES_HELP = `
Exit codes (inspect and agent):
  0  done: the input has no errors (warnings may be listed)
  1  done, but the input has errors: a file could not be read or parsed, or an object or a
     field of one was refused; the rest was loaded (and, for agent, programmed)
  2  not done: bad or missing flags, a path that does not exist, no manifests found, nothing
     to program, or a backend that failed`;

/** Exit code 1: problems of severity error were found in the input. */
export const EXIT_INPUT_ERRORS = 1;
