import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { parseProtocol } from '../../src/core/convert/port-parsing.js';
import { shownValue } from '../../src/core/convert/raw-values.js';

// Expected texts written by hand: an unknown value is named as it was written, not as
// "the string ...", after the word that says what it should have been.
describe('messages naming an unknown value', () => {
  it('say unknown protocol "HTTP", not unknown protocol the string "HTTP"', () => {
    const outcome = parseProtocol('HTTP');
    assert.equal(outcome.ok, false);
    assert.equal(outcome.ok ? '' : outcome.reason, 'unknown protocol "HTTP" (expected one of TCP, UDP, SCTP)');
  });

  it('show strings quoted, numbers as they are, other values by their type', () => {
    assert.equal(shownValue('udp'), '"udp"');
    assert.equal(shownValue(6), '6');
    assert.equal(shownValue({}), 'an object');
    assert.equal(shownValue(null), 'null');
  });
});
