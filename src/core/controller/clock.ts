/**
 * An opaque handle for a timer set through a {@link Clock}; only the clock that made it can
 * clear it.
 */
export type TimerHandle = unknown;

/**
 * Time as a controller sees it: the current time and one-shot timers. Controllers take a clock
 * instead of calling `Date.now` and `setTimeout`, so tests drive time by hand with a
 * {@link ManualClock} and never wait on the wall clock.
 */
export interface Clock {
  /** Milliseconds since the epoch (or since the clock's own start, for a manual clock). */
  now(): number;
  /** Calls `callback` once, `delayMs` milliseconds from now (at once when `delayMs` is 0 or less). */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer that has not fired yet; cancelling a fired or cleared timer does nothing. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock: `Date.now` and Node's timers. Its timers keep the process alive, as a
 * daemon's should: a running controller always has its next resync pending, so an agent
 * runs until it is stopped.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
