import assert from 'node:assert/strict';
import { attribute, parseAttributes } from '../../../src/backends/netlink/rtnetlink/attributes.js';
import { decodeLinkInfo, encodeLinkInfo } from '../../../src/backends/netlink/rtnetlink/link-info-codec.js';

describe('IFLA_LINKINFO codec (uapi layout)', () => {
  it('pads an attribute to 4 bytes and keeps nla_len unpadded', () => {
    assert.deepEqual([...attribute(1, Buffer.from('ab'))], [6, 0, 1, 0, 0x61, 0x62, 0, 0]);
  });

  it('encodes a VXLAN device without remote: kind, then nested data with id, local, port (be16) and nolearning', () => {
    const bytes = encodeLinkInfo({ kind: 'vxlan', vni: 1, local: '192.168.50.11', port: 4789 });
    assert.equal(bytes.toString('hex'), [
      '0a000100', '76786c616e000000', // IFLA_INFO_KIND "vxlan\0", padded
      '24000280', // IFLA_INFO_DATA, 36 bytes, NLA_F_NESTED
      '08000100', '01000000', // IFLA_VXLAN_ID 1 (u32, host order)
      '08000400', 'c0a8320b', // IFLA_VXLAN_LOCAL 192.168.50.11
      '06000f00', '12b50000', // IFLA_VXLAN_PORT 4789, network order
      '05000700', '00000000', // IFLA_VXLAN_LEARNING 0
    ].join(''));
  });

  it('leaves the VXLAN port out of a change (the kernel refuses it there)', () => {
    const data = parseAttributes(parseAttributes(encodeLinkInfo({ kind: 'vxlan', vni: 1, local: '10.0.0.1', remote: '10.0.0.2', port: 4789 }, true)).get(2)!);
    assert.deepEqual([...data.keys()], [1, 2, 4, 7]);
  });

  it('encodes IPIP inside FOU: local, remote, encap type 1, dport and sport in network order', () => {
    const data = parseAttributes(parseAttributes(encodeLinkInfo({ kind: 'ipip', local: '10.0.0.1', remote: '10.0.0.2', fouPort: 5555 })).get(2)!);
    assert.deepEqual([...data.entries()].map(([type, payload]) => [type, payload.toString('hex')]), [
      [2, '0a000001'], [3, '0a000002'], [15, '0100'], [18, '15b3'], [17, '0000'],
    ]);
  });

  it('decodes what it encodes, IPv6 included', () => {
    for (const tunnel of [
      { kind: 'vxlan' as const, vni: 4096, local: 'fd00::1', remote: 'fd00::2', port: 8472 },
      { kind: 'ipip' as const, local: '10.0.0.1', remote: '10.0.0.2' },
      { kind: 'ipip' as const, local: '10.0.0.1', remote: '10.0.0.2', fouPort: 5555 },
    ]) {
      assert.deepEqual(decodeLinkInfo(encodeLinkInfo(tunnel)), { kind: tunnel.kind, tunnel });
    }
    assert.deepEqual(decodeLinkInfo(attribute(1, Buffer.from('veth\0'))), { kind: 'veth' });
  });
});
