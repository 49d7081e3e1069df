import { ConfigError } from '../errors.js';

/**
 * A simulator question that cannot be answered as asked: a pod no plan lists, an invalid IP
 * address, a port out of range, a packet whose source and destination are of different
 * families. It is a {@link ConfigError} (bad input from the user), so the CLI prints it as one
 * line and exits 2.
 */
export class SimulationQueryError extends ConfigError {}
