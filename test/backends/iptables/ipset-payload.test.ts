import assert from 'node:assert/strict';
import { describe, it } from 'mocha';
import {
  MAX_CHAIN_NAME,
  MAX_SET_NAME,
  addressText,
  ipsetPayload,
  nodeSetName,
  peerSetName,
  peerSetUpdate,
  podChain,
  policyChain,
  setEntries,
  stableHash,
  temporarySetName,
} from '../../../src/backends/iptables/index.js';
import { ConfigError } from '../../../src/core/errors.js';
import type { PeerSet } from '../../../src/core/plan/firewall-plan.js';

const block: PeerSet = { id: 'cidr:IPv4:10.1.0.0/16 except 10.1.4.0/24', kind: 'cidrs', family: 'IPv4', cidr: '10.1.0.0/16', except: ['10.1.4.0/24'] };

describe('iptables kernel names', () => {
  it('hashes as RFC 4648 base32 of SHA-256 (the empty string starts 4OYMIQUY)', () => {
    assert.equal(stableHash('', 8), '4OYMIQUY');
  });

  it('keeps chain and set names within the kernel limits, whatever the user text', () => {
    const hostile = `a"b\nCOMMIT\n# ;${'é'.repeat(300)}`;
    for (const name of [podChain(hostile, 'egress'), policyChain(hostile, 'ingress')]) {
      assert.ok(name.length <= MAX_CHAIN_NAME, name);
      assert.match(name, /^KR-FW-PO[DL]-[IE]-[A-Z2-7]+$/);
    }
    const set = peerSetName({ id: hostile, kind: 'pods', family: 'IPv6' });
    assert.ok(set.length <= MAX_SET_NAME && temporarySetName(set).length <= MAX_SET_NAME);
    assert.match(set, /^KR-FW-[A-Z2-7]{20}$/);
    assert.match(temporarySetName(set), /^KR-FT-[A-Z2-7]{20}$/);
  });

  it('names differ by direction, by kind and family of a set, and are stable', () => {
    assert.notEqual(podChain('a/b', 'egress'), podChain('a/b', 'ingress'));
    assert.equal(podChain('a/b', 'egress'), podChain('a/b', 'egress'));
    assert.notEqual(peerSetName({ id: 'x', kind: 'pods', family: 'IPv4' }), peerSetName({ id: 'x', kind: 'pods', family: 'IPv6' }));
    assert.notEqual(peerSetName({ id: 'x', kind: 'pods', family: 'IPv4' }), peerSetName({ id: 'x', kind: 'cidrs', family: 'IPv4' }));
    assert.equal(nodeSetName('IPv4'), 'KR-FW-NODE-IPV4');
  });
});

describe('firewall ipset payloads', () => {
  it('refuses addresses that are not plain addresses of the family', () => {
    for (const bad of ['10.1.1.5\ncreate x hash:ip', '010.1.1.5', '10.1.1', 'fd00::1', '10.1.1.5/32']) {
      assert.throws(() => addressText(bad, 'IPv4'), ConfigError, bad);
    }
    assert.equal(addressText('fd00:0:0::0001', 'IPv6'), 'fd00::1');
  });

  it('renders an ipBlock with its excepts as nomatch entries, and /0 as two halves', () => {
    assert.deepEqual(setEntries(block), ['10.1.0.0/16', '10.1.4.0/24 nomatch']);
    assert.deepEqual(setEntries({ ...block, cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }), ['0.0.0.0/1', '128.0.0.0/1', '10.0.0.0/8 nomatch']);
    assert.deepEqual(setEntries({ id: 'v6', kind: 'cidrs', family: 'IPv6', cidr: '::/0', except: [] }), ['::/1', '8000::/1']);
    assert.deepEqual(setEntries({ ...block, except: ['10.1.0.0/16'] }), [], 'an except equal to the block leaves nothing');
  });

  it('creates a new set under its live name, and fills a temporary one to swap for a set in use', () => {
    const pods: PeerSet = { id: 'p', kind: 'pods', family: 'IPv4', addresses: ['10.1.1.5', '10.1.2.20'] };
    const live = peerSetName(pods);
    const temp = temporarySetName(live);
    assert.deepEqual(peerSetUpdate(pods, false), {
      prepare: [`create ${live} hash:ip family inet maxelem 65536`, `add ${live} 10.1.1.5`, `add ${live} 10.1.2.20`],
      commit: [],
      rollback: [`destroy ${live}`],
    });
    const update = peerSetUpdate(pods, true);
    assert.deepEqual(update.prepare[0], `create ${temp} hash:ip family inet maxelem 65536`);
    assert.deepEqual(update.commit, [`swap ${temp} ${live}`, `destroy ${temp}`]);
    assert.ok(!update.prepare.some((line) => line.startsWith(`flush ${live}`)), 'never emptied in place');
    assert.equal(ipsetPayload([]), '');
    assert.equal(ipsetPayload(['a', 'b']), 'a\nb\n');
  });
});
