/**
 * The lab could not be built from the given snapshot or options: a node without an IPv4
 * InternalIP or pod CIDR, an address that does not parse. Carries every reason at once so
 * one run shows all that must be fixed.
 */
export class LabConfigError extends Error {
  override readonly name = 'LabConfigError';

  /** @param reasons one line per problem found */
  constructor(readonly reasons: readonly string[]) {
    super(`the lab cannot be built: ${reasons.join('; ')}`);
  }
}

/** Something failed while the lab ran: no state to attach to, a pod server that did not start. */
export class LabError extends Error {
  override readonly name = 'LabError';
}
