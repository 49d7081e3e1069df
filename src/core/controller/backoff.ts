import { ConfigError } from '../errors.js';

/** Settings of an {@link ExponentialBackoff}. */
export interface BackoffOptions {
  /** The delay before the first retry, in milliseconds. Default 1000. */
  readonly initialMs?: number | undefined;
  /** The longest delay, in milliseconds. Default 60000. */
  readonly maxMs?: number | undefined;
  /** What each further failure multiplies the delay by. Default 2. */
  readonly factor?: number | undefined;
}

/** The defaults of {@link BackoffOptions}: 1 s doubling up to 60 s. */
export const DEFAULT_BACKOFF = Object.freeze({
  initialMs: 1000,
  maxMs: 60_000,
  factor: 2,
});

/**
 * Capped exponential backoff, as client-go's per-item failure rate limiter: the n-th retry in a
 * row waits `initialMs × factor^(n-1)`, never more than `maxMs`. There is no jitter: each
 * controller of a node retries against its own kernel state, not a shared server, so there is
 * no herd to spread, and exact delays keep the tests exact.
 */
export class ExponentialBackoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  #failures = 0;

  /** @param options see {@link BackoffOptions}; a bad value throws a `ConfigError` */
  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
    this.#maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
    this.#factor = options.factor ?? DEFAULT_BACKOFF.factor;
    if (!(Number.isFinite(this.#initialMs) && this.#initialMs > 0)) {
      throw new ConfigError(`backoff: the initial delay must be a positive number of milliseconds, not ${this.#initialMs}`);
    }
    if (!(Number.isFinite(this.#maxMs) && this.#maxMs >= this.#initialMs)) {
      throw new ConfigError(`backoff: the longest delay (${this.#maxMs} ms) must be at least the initial one (${this.#initialMs} ms)`);
    }
    if (!(Number.isFinite(this.#factor) && this.#factor >= 1)) {
      throw new ConfigError(`backoff: the factor must be a number of at least 1, not ${this.#factor}`);
    }
  }

  /** Failures in a row since the last {@link ExponentialBackoff.reset}. */
  get failures(): number {
    return this.#failures;
  }

  /** Counts one more failure and returns how long to wait before the retry, in milliseconds. */
  next(): number {
    const delay = Math.min(this.#initialMs * this.#factor ** this.#failures, this.#maxMs);
    this.#failures++;
    return delay;
  }

  /** Forgets the failures: the next failure waits `initialMs` again. */
  reset(): void {
    this.#failures = 0;
  }
}
