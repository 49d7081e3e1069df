import type { Clock, TimerHandle } from './clock.js';

interface PendingTimer {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * Lets the promise work that a timer callback started run as far as it can without outside
 * help (microtasks and immediates), so that what it schedules next exists before time moves on.
 */
async function settle(rounds = 5): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * A {@link Clock} whose time moves only when told: for tests of controllers (the library's
 * own and embedders'), so that intervals, backoff and resync periods are asserted exactly and
 * no test waits on the wall clock.
 *
 * Timers fire only inside {@link ManualClock.advance} (or {@link ManualClock.advanceTo},
 * {@link ManualClock.runDue}), in order of their due time (ties in the order they were set),
 * each with `now()` at its own due time. After each timer the clock lets the promise work it
 * started settle, so a timer set by that work at a time still within the advance fires in the
 * same advance. Work that waits on something outside (a promise the test resolves later)
 * stays pending, which is how a test holds a sync in flight.
 */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, PendingTimer>();

  /** @param startMs the time `now()` returns until the clock is advanced; 0 by default */
  constructor(startMs = 0) {
    this.#now = startMs;
  }

  /** The current manual time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /** Sets a timer due `delayMs` from now (negative delays count as 0). */
  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.#nextId++;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, delayMs), callback });
    return id;
  }

  /** Cancels a pending timer. */
  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  /** How many timers are pending. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** The due time of the earliest pending timer, if any. */
  nextTimerAt(): number | undefined {
    return this.#earliest()?.at;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (see the class comment). */
  async advance(ms: number): Promise<void> {
    if (ms < 0) throw new RangeError(`cannot move a clock backwards (advance by ${ms} ms)`);
    await this.advanceTo(this.#now + ms);
  }

  /** Moves time forward to `timeMs`, firing every timer due by then. */
  async advanceTo(timeMs: number): Promise<void> {
    if (timeMs < this.#now) throw new RangeError(`cannot move a clock backwards (from ${this.#now} to ${timeMs})`);
    // Promise work pending from before (a store that became synced, an event handler)
    // may set timers that are already due.
    await settle();
    for (let timer = this.#earliest(); timer !== undefined && timer.at <= timeMs; timer = this.#earliest()) {
      this.#timers.delete(timer.id);
      this.#now = Math.max(this.#now, timer.at);
      timer.callback();
      await settle();
    }
    this.#now = timeMs;
  }

  /** Fires the timers due now without moving time. */
  async runDue(): Promise<void> {
    await this.advanceTo(this.#now);
  }

  #earliest(): PendingTimer | undefined {
    let earliest: PendingTimer | undefined;
    // Map order is creation order, so the first of equal due times wins.
    for (const timer of this.#timers.values()) {
      if (earliest === undefined || timer.at < earliest.at) earliest = timer;
    }
    return earliest;
  }
}
