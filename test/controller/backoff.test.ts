import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { ExponentialBackoff } from '../../src/core/controller/backoff.js';
import { ConfigError } from '../../src/core/errors.js';

describe('ExponentialBackoff', () => {
  it('doubles from 1 s up to 60 s by default, and starts over after reset', () => {
    const backoff = new ExponentialBackoff();
    const delays = Array.from({ length: 9 }, () => backoff.next());
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    assert.equal(backoff.failures, 9);
    backoff.reset();
    assert.equal(backoff.failures, 0);
    assert.equal(backoff.next(), 1000);
  });

  it('takes its initial delay, cap and factor from the options', () => {
    const backoff = new ExponentialBackoff({ initialMs: 500, maxMs: 4000, factor: 3 });
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next()], [500, 1500, 4000, 4000]);
  });

  it('refuses settings that make no sense', () => {
    assert.throws(() => new ExponentialBackoff({ initialMs: 0 }), ConfigError);
    assert.throws(() => new ExponentialBackoff({ initialMs: 2000, maxMs: 1000 }), ConfigError);
    assert.throws(() => new ExponentialBackoff({ factor: 0.5 }), ConfigError);
    assert.throws(() => new ExponentialBackoff({ initialMs: Number.NaN }), ConfigError);
  });
});
