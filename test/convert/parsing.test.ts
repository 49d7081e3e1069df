import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import {
  FieldPath,
  isIanaServiceName,
  isStrictSubnet,
  parseCIDR,
  parseIP,
  parsePortReference,
  parseProtocol,
  type ParsedCIDR,
} from '../../src/core/convert/index.js';

function cidr(text: string): ParsedCIDR {
  const parsed = parseCIDR(text);
  assert.ok(parsed.ok, text);
  return parsed.value;
}

describe('parseIP', () => {
  it('accepts dotted IPv4 and canonicalises IPv6', () => {
    assert.deepEqual(parseIP('192.0.2.1'), { ok: true, value: { text: '192.0.2.1', family: 'IPv4' } });
    assert.deepEqual(parseIP('2001:0DB8:0000:0000:0000:0000:0000:0001'), { ok: true, value: { text: '2001:db8::1', family: 'IPv6' } });
    assert.deepEqual(parseIP('::'), { ok: true, value: { text: '::', family: 'IPv6' } });
  });

  it('rejects what Kubernetes rejects or what would mean another address', () => {
    for (const text of ['010.0.0.1', '10', '0x0a.0.0.1', '1.2.3.256', ' 10.0.0.1', '10.0.0.1/32', 'fe80::1%eth0', '::ffff:10.0.0.1', '1:2:3:4:5:6:7:8:9', '']) {
      assert.equal(parseIP(text).ok, false, text);
    }
  });
});

describe('parseCIDR', () => {
  it('canonicalises and reports host bits', () => {
    assert.deepEqual(cidr('10.1.1.5/24'), { text: '10.1.1.0/24', family: 'IPv4', prefixLength: 24, hadHostBits: true });
    assert.deepEqual(cidr('2001:DB8::/32'), { text: '2001:db8::/32', family: 'IPv6', prefixLength: 32, hadHostBits: false });
    assert.deepEqual(cidr('0.0.0.0/0'), { text: '0.0.0.0/0', family: 'IPv4', prefixLength: 0, hadHostBits: false });
    assert.deepEqual(cidr('::/0'), { text: '::/0', family: 'IPv6', prefixLength: 0, hadHostBits: false });
  });

  it('rejects bad prefixes and addresses', () => {
    for (const text of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/08', '10.0.0.0/-1', '10.0.0.0/ 8', 'fd00::/129', 'x/8', '::ffff:10.0.0.0/104']) {
      assert.equal(parseCIDR(text).ok, false, text);
    }
  });

  it('tells strict subnets', () => {
    assert.equal(isStrictSubnet(cidr('10.0.1.0/24'), cidr('10.0.0.0/16')), true);
    assert.equal(isStrictSubnet(cidr('10.0.0.0/16'), cidr('10.0.0.0/16')), false);
    assert.equal(isStrictSubnet(cidr('10.1.0.0/24'), cidr('10.0.0.0/16')), false);
    assert.equal(isStrictSubnet(cidr('fd00::/64'), cidr('10.0.0.0/8')), false);
    assert.equal(isStrictSubnet(cidr('fd00:1::/64'), cidr('fd00::/16')), true);
  });
});

describe('ports and protocols', () => {
  it('defaults the protocol to TCP and is case-sensitive', () => {
    assert.deepEqual(parseProtocol(undefined), { ok: true, value: 'TCP' });
    assert.deepEqual(parseProtocol('SCTP'), { ok: true, value: 'SCTP' });
    assert.equal(parseProtocol('tcp').ok, false);
  });

  it('checks IANA service names', () => {
    for (const good of ['http', 'h2c', 'web-8080', 'a', 'abcdefghijklmno']) assert.equal(isIanaServiceName(good), true, good);
    for (const bad of ['', '8080', 'HTTP', 'my_port', '-http', 'http-', 'a--b', 'abcdefghijklmnop']) assert.equal(isIanaServiceName(bad), false, bad);
  });

  it('takes a number or a name as a port reference', () => {
    assert.deepEqual(parsePortReference(443), { ok: true, value: 443 });
    assert.deepEqual(parsePortReference('https'), { ok: true, value: 'https' });
    for (const bad of [0, 65536, 80.5, '443', null]) assert.equal(parsePortReference(bad).ok, false, String(bad));
  });
});

describe('FieldPath', () => {
  it('prints dotted keys, indexes and quoted odd keys', () => {
    assert.equal(FieldPath.of('spec', 'ports', 1, 'port').toString(), 'spec.ports[1].port');
    assert.equal(FieldPath.of('metadata', 'labels', 'app.kubernetes.io/name').toString(), 'metadata.labels["app.kubernetes.io/name"]');
    assert.equal(FieldPath.ROOT.toString(), '');
    assert.equal(FieldPath.of(0).toString(), '[0]');
  });
});
