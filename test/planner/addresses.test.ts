import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { compareAddresses, compareCidrs, sortedUniqueAddresses } from '../../src/core/planner/common/addresses.js';
import { ipFamilyOf } from '../../src/core/model/ip-family.js';

describe('address order and family', () => {
  it('orders IPv4 numerically, then IPv6 numerically, dropping repeats', () => {
    const sorted = sortedUniqueAddresses(['fd00::10', '10.0.0.10', '10.0.0.2', 'fd00::9', '9.255.255.255', '10.0.0.2', '::1']);
    assert.deepEqual(sorted, ['9.255.255.255', '10.0.0.2', '10.0.0.10', '::1', 'fd00::9', 'fd00::10']);
  });

  it('puts unparsable text first, ordered by text, so the order stays total', () => {
    assert.deepEqual(sortedUniqueAddresses(['10.0.0.1', 'zz', '1.2.3', 'aa', '1.2.3.256']), ['1.2.3', '1.2.3.256', 'aa', 'zz', '10.0.0.1']);
    assert.ok(compareAddresses('10.0.0.1', '10.0.0.1') === 0);
  });

  it('orders CIDRs by network, then prefix length', () => {
    assert.deepEqual(['10.1.0.0/24', '10.1.0.0/16', '9.0.0.0/8', 'fd00::/64'].sort(compareCidrs), ['9.0.0.0/8', '10.1.0.0/16', '10.1.0.0/24', 'fd00::/64']);
  });

  it('tells the family of model addresses and CIDRs', () => {
    assert.equal(ipFamilyOf('10.1.1.2'), 'IPv4');
    assert.equal(ipFamilyOf('10.1.0.0/16'), 'IPv4');
    assert.equal(ipFamilyOf('fd00:10::5'), 'IPv6');
    assert.equal(ipFamilyOf('fd00::/48'), 'IPv6');
  });
});
