import type { Clock, TimerHandle } from './clock.js';

/**
 * At most one pending call of `callback`, at a time that can be moved: how a controller keeps
 * "the next reconcile" and "the next full resync" without ever having two of either.
 * @internal
 */
export class OneShotTimer {
  #handle: TimerHandle | undefined;
  #dueAt: number | undefined;

  /**
   * @param clock where time and timers come from
   * @param callback what runs when the timer fires
   */
  constructor(
    private readonly clock: Clock,
    private readonly callback: () => void,
  ) {}

  /** When the timer fires, or undefined when it is not set. */
  get dueAt(): number | undefined {
    return this.#dueAt;
  }

  /** Sets the timer to fire at `timeMs` (at once if that has passed), replacing any other time. */
  scheduleAt(timeMs: number): void {
    if (this.#dueAt === timeMs) return;
    this.cancel();
    this.#dueAt = timeMs;
    this.#handle = this.clock.setTimeout(() => {
      this.#handle = undefined;
      this.#dueAt = undefined;
      this.callback();
    }, timeMs - this.clock.now());
  }

  /** Cancels the pending call, if any. */
  cancel(): void {
    if (this.#handle !== undefined) this.clock.clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#dueAt = undefined;
  }
}
