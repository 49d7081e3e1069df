import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { collect, parseCidrList, parseOutput } from '../../src/cli/options.js';
import { ConfigError } from '../../src/core/errors.js';

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a ConfigError');
}

describe('CLI options', () => {
  describe('parseCidrList', () => {
    it('parses a comma-separated IPv4 and IPv6 list, trimming spaces', () => {
      assert.deepEqual(parseCidrList('--cluster-cidr', '10.1.0.0/16, fd00:10:1::/48'), ['10.1.0.0/16', 'fd00:10:1::/48']);
      assert.deepEqual(parseCidrList('--cluster-cidr', '172.16.0.0/12'), ['172.16.0.0/12']);
    });

    it('normalises IPv6 spelling', () => {
      assert.deepEqual(parseCidrList('--service-cluster-ip-range', 'FD00:0:0:0::/64'), ['fd00::/64']);
    });

    it('gives an empty list for an absent or blank value', () => {
      assert.deepEqual(parseCidrList('--cluster-cidr', undefined), []);
      assert.deepEqual(parseCidrList('--cluster-cidr', ''), []);
      assert.deepEqual(parseCidrList('--cluster-cidr', '   '), []);
    });

    it('rejects host bits, naming the flag and suggesting the network', () => {
      const v4 = configErrorOf(() => parseCidrList('--cluster-cidr', '10.1.0.0/16,10.2.3.4/16'));
      assert.match(v4.message, /^--cluster-cidr: /);
      assert.match(v4.message, /10\.2\.3\.4\/16/);
      assert.match(v4.message, /10\.2\.0\.0\/16/);
      const v6 = configErrorOf(() => parseCidrList('--service-cluster-ip-range', 'fd00::1/64'));
      assert.match(v6.message, /^--service-cluster-ip-range: /);
      assert.match(v6.message, /fd00::\/64/);
    });

    it('rejects text that is not a CIDR, naming the flag and the bad item', () => {
      for (const bad of ['banana', '10.1.0.0', '10.1.0.0/33', '10.1.0.0/16,,10.2.0.0/16', '300.1.0.0/16', 'fd00::/129']) {
        const error = configErrorOf(() => parseCidrList('--cluster-cidr', bad));
        assert.match(error.message, /^--cluster-cidr: /, bad);
      }
      assert.match(configErrorOf(() => parseCidrList('--cluster-cidr', 'banana')).message, /"banana"/);
    });
  });

  describe('parseOutput', () => {
    it('accepts text and json', () => {
      assert.equal(parseOutput('text'), 'text');
      assert.equal(parseOutput('json'), 'json');
    });

    it('rejects anything else with a ConfigError naming --output and the value', () => {
      for (const bad of ['yaml', 'JSON', '']) {
        const error = configErrorOf(() => parseOutput(bad));
        assert.match(error.message, /--output/);
        assert.ok(error.message.includes(`"${bad}"`), error.message);
      }
    });
  });

  describe('collect', () => {
    it('accumulates repeated values in order', () => {
      assert.deepEqual(collect('a'), ['a']);
      assert.deepEqual(collect('b', collect('a')), ['a', 'b']);
    });
  });
});
