import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import { addressHex, cidrContainsHex, cidrKeyOf, supernetSortKey } from '../../src/core/planner/routes/cidr-keys.js';

describe('route planner CIDR keys', () => {
  it('reads addresses as fixed-width hex', () => {
    assert.equal(addressHex('10.1.2.255'), '0a0102ff');
    assert.equal(addressHex('::'), '0'.repeat(32));
    assert.equal(addressHex('1::'), `0001${'0'.repeat(28)}`);
    assert.equal(addressHex('fd00::1'), `fd00${'0'.repeat(24)}0001`);
    assert.equal(addressHex('FD00:0:0:0:0:0:0:1'), `fd00${'0'.repeat(24)}0001`);
    assert.equal(addressHex('::ffff:10.1.2.3'), `${'0'.repeat(20)}ffff0a010203`);
  });

  it('refuses what is not an address', () => {
    for (const text of ['10.1.2', '10.1.2.256', '010.1.2.3', '10.1.2.3.4', ':::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'g::1', '12345::']) {
      assert.equal(addressHex(text), undefined, text);
    }
  });

  it('sorts CIDRs by family, network and prefix length with plain string order', () => {
    const texts = ['fd10::/48', '10.244.10.0/24', '10.244.2.0/24', '10.0.0.0/8', '10.0.0.0/16', '::1/128', '192.168.0.1/32'];
    const sorted = texts.map((text) => cidrKeyOf(text)!).sort((a, b) => (a.sortKey < b.sortKey ? -1 : 1)).map((key) => key.text);
    assert.deepEqual(sorted, ['10.0.0.0/8', '10.0.0.0/16', '10.244.2.0/24', '10.244.10.0/24', '192.168.0.1/32', '::1/128', 'fd10::/48']);
  });

  it('clears host bits, keeps canonical text as given, refuses bad prefixes', () => {
    assert.equal(cidrKeyOf('10.1.1.5/23')?.text, '10.1.0.0/23');
    assert.equal(cidrKeyOf('fd10:0:0:3::/63')?.text, 'fd10:0:0:2::/63');
    assert.equal(cidrKeyOf('fd10:0:0:2::/63')?.text, 'fd10:0:0:2::/63');
    for (const text of ['10.0.0.0/33', '10.0.0.0', '10.0.0.0/-1', '10.0.0.0/1.5', 'fd00::/129']) assert.equal(cidrKeyOf(text), undefined, text);
  });

  it('tests containment to the bit, and finds supernets', () => {
    const slash23 = cidrKeyOf('10.1.0.0/23')!;
    assert.ok(cidrContainsHex(slash23, addressHex('10.1.1.200')!));
    assert.ok(!cidrContainsHex(slash23, addressHex('10.1.2.0')!));
    assert.ok(!cidrContainsHex(slash23, addressHex('fd00::1')!));
    assert.equal(supernetSortKey(cidrKeyOf('10.1.3.0/24')!, 22), cidrKeyOf('10.1.0.0/22')!.sortKey);
  });
});
