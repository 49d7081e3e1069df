import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { ManualClock } from '../../src/core/controller/manual-clock.js';

describe('ManualClock', () => {
  it('fires nothing until advanced, then each timer at its own due time, ties in the order set', async () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 50);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 50);
    assert.equal(clock.pendingTimers, 3);
    assert.equal(clock.nextTimerAt(), 110);
    await clock.advance(0);
    assert.deepEqual(fired, []);
    await clock.advance(49);
    assert.deepEqual(fired, ['a@110']);
    await clock.advance(1);
    assert.deepEqual(fired, ['a@110', 'b@150', 'c@150']);
    assert.equal(clock.now(), 150);
    assert.equal(clock.pendingTimers, 0);
  });

  it('fires, within the same advance, timers that async work of an earlier timer set', async () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    const chain = async (): Promise<void> => {
      fired.push(clock.now());
      await Promise.resolve();
      await Promise.resolve();
      if (fired.length < 4) clock.setTimeout(() => void chain(), 1000);
    };
    clock.setTimeout(() => void chain(), 1000);
    await clock.advance(10_000);
    assert.deepEqual(fired, [1000, 2000, 3000, 4000]);
    assert.equal(clock.now(), 10_000);
  });

  it('does not fire a cleared timer, and never moves backwards', async () => {
    const clock = new ManualClock();
    let fired = false;
    const handle = clock.setTimeout(() => {
      fired = true;
    }, 5);
    clock.clearTimeout(handle);
    await clock.advance(10);
    assert.equal(fired, false);
    await assert.rejects(clock.advance(-1), RangeError);
    await assert.rejects(clock.advanceTo(5), RangeError);
  });

  it('runDue fires what is due now without moving time', async () => {
    const clock = new ManualClock(7);
    let firedAt: number | undefined;
    clock.setTimeout(() => {
      firedAt = clock.now();
    }, 0);
    await clock.runDue();
    assert.equal(firedAt, 7);
    assert.equal(clock.now(), 7);
  });
});
