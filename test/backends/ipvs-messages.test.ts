import assert from 'node:assert/strict';
import {
  deleteDestMessage,
  deleteServiceMessage,
  dumpDestsMessage,
  dumpServicesMessage,
  newDestMessage,
  newServiceMessage,
  parseDestReply,
  parseServiceReply,
  setDestMessage,
  setServiceMessage,
} from '../../src/backends/ipvs/index.js';
import type { RealServer, VirtualService } from '../../src/core/ports/ipvs.js';

/** Hex with spaces and `|` separators allowed, for expectations laid out attribute by attribute. */
function hex(text: string): Buffer {
  return Buffer.from(text.replace(/[\s|]/g, ''), 'hex');
}

const web: VirtualService = { family: 'IPv4', protocol: 'TCP', address: '10.96.0.10', port: 80, scheduler: 'rr', flags: 0, timeoutSeconds: 0, netmaskPrefix: 32 };
const server: RealServer = { family: 'IPv4', address: '10.1.1.5', port: 8080, forwarding: 'masquerade', weight: 1, upperThreshold: 0, lowerThreshold: 0 };

// Worked out by hand from linux/ip_vs.h and linux/netlink.h: nlattr is {u16 len, u16 type},
// padded to 4; IPVS_SVC_ATTR_AF=1 PROTOCOL=2 ADDR=3 PORT=4 SCHED_NAME=6 FLAGS=7 TIMEOUT=8
// NETMASK=9; IPVS_CMD_ATTR_SERVICE=1 DEST=2 with NLA_F_NESTED (0x8000).
const SERVICE_KEY_WEB = [
  '06000100 0200 0000', // AF: AF_INET, padded
  '06000200 0600 0000', // PROTOCOL: IPPROTO_TCP
  '14000300 0a60000a 00000000 00000000 00000000', // ADDR: 10.96.0.10 in a 16-byte nf_inet_addr
  '06000400 0050 0000', // PORT: 80, network order
].join('|');
const SERVICE_SETTINGS_RR = [
  '07000600 727200 00', // SCHED_NAME "rr\0"
  '0c000700 00000000 ffffffff', // FLAGS: {flags 0, mask ~0}
  '08000800 00000000', // TIMEOUT 0
  '08000900 ffffffff', // NETMASK 255.255.255.255
].join('|');
const DEST_KEY = ['14000100 0a010105 00000000 00000000 00000000', '06000200 1f90 0000'].join('|'); // 10.1.1.5, port 8080
const DEST_SETTINGS = [
  '08000300 00000000', // FWD_METHOD IP_VS_CONN_F_MASQ
  '08000400 01000000', // WEIGHT 1
  '08000500 00000000', // U_THRESH
  '08000600 00000000', // L_THRESH
  '06000b00 0200 0000', // ADDR_FAMILY AF_INET
].join('|');

describe('IPVS generic netlink messages, byte for byte against linux/ip_vs.h', () => {
  it('IPVS_CMD_NEW_SERVICE (1): genl header, then the whole service nested (84 bytes)', () => {
    assert.deepEqual(newServiceMessage(web), hex(`01010000 | 54000180 | ${SERVICE_KEY_WEB} | ${SERVICE_SETTINGS_RR}`));
  });

  it('IPVS_CMD_SET_SERVICE (2): the same attributes under command 2', () => {
    assert.deepEqual(setServiceMessage(web), hex(`02010000 | 54000180 | ${SERVICE_KEY_WEB} | ${SERVICE_SETTINGS_RR}`));
  });

  it('IPVS_CMD_DEL_SERVICE (3): the key only (48 bytes nested)', () => {
    assert.deepEqual(deleteServiceMessage(web), hex(`03010000 | 30000180 | ${SERVICE_KEY_WEB}`));
  });

  it('IPVS_CMD_GET_SERVICE (4) dump: the header alone', () => {
    assert.deepEqual(dumpServicesMessage(), hex('04010000'));
  });

  it('IPVS_CMD_NEW_DEST (5): service key, then the real server nested (72 bytes)', () => {
    assert.deepEqual(newDestMessage(web, server), hex(`05010000 | 30000180 | ${SERVICE_KEY_WEB} | 48000280 | ${DEST_KEY} | ${DEST_SETTINGS}`));
  });

  it('IPVS_CMD_SET_DEST (6) with weight 0: graceful termination', () => {
    const drained = DEST_SETTINGS.replace('08000400 01000000', '08000400 00000000');
    assert.deepEqual(setDestMessage(web, { ...server, weight: 0 }), hex(`06010000 | 30000180 | ${SERVICE_KEY_WEB} | 48000280 | ${DEST_KEY} | ${drained}`));
  });

  it('IPVS_CMD_DEL_DEST (7): service key and the real server\'s address and port (32 bytes nested)', () => {
    assert.deepEqual(deleteDestMessage(web, server), hex(`07010000 | 30000180 | ${SERVICE_KEY_WEB} | 20000280 | ${DEST_KEY}`));
  });

  it('IPVS_CMD_GET_DEST (8) dump: the service key', () => {
    assert.deepEqual(dumpDestsMessage(web), hex(`08010000 | 30000180 | ${SERVICE_KEY_WEB}`));
  });

  it('an IPv6 UDP service with persistence and scheduler flag 1: AF_INET6, flags 0x9, timeout 10800, netmask 128 in host order', () => {
    const dns: VirtualService = { family: 'IPv6', protocol: 'UDP', address: 'fd00::a', port: 53, scheduler: 'sh', flags: 0x9, timeoutSeconds: 10800, netmaskPrefix: 128 };
    const expected = hex(
      [
        '01010000 | 54000180',
        '06000100 0a00 0000', // AF_INET6 = 10
        '06000200 1100 0000', // IPPROTO_UDP = 17
        '14000300 fd000000 00000000 00000000 0000000a',
        '06000400 0035 0000', // port 53
        '07000600 736800 00', // "sh\0"
        '0c000700 09000000 ffffffff', // PERSISTENT | SCHED1
        '08000800 302a0000', // 10800 = 0x2a30
        '08000900 80000000', // ipvsadm's 128 as the kernel reads it
      ].join('|'),
    );
    assert.deepEqual(newServiceMessage(dns), expected);
  });

  it('a /24 IPv4 persistence netmask is ff ff ff 00 (network order)', () => {
    const message = newServiceMessage({ ...web, netmaskPrefix: 24 });
    assert.deepEqual(message.subarray(-8), hex('08000900 ffffff00'));
  });

  it('refuses a scheduler name longer than IP_VS_SCHEDNAME_MAXLEN', () => {
    assert.throws(() => newServiceMessage({ ...web, scheduler: 'a-very-long-scheduler' }), RangeError);
  });

  it('parses a GET_SERVICE reply: drops the kernel\'s HASHED bit, reads port and netmask', () => {
    // A reply as the kernel writes it (cmd NEW_SERVICE), with FLAGS {0x3, ~0} and a stats nest to skip.
    const reply = hex(
      `01010000 | 5c000180 | ${SERVICE_KEY_WEB} | 07000600 776c6300 | 0c000700 03000000 ffffffff | 08000800 2c010000 | 08000900 ffffffff | 08000a80 00000000`.replace(
        '0050 0000',
        '01bb 0000',
      ),
    );
    assert.deepEqual(parseServiceReply(reply), { ...web, port: 443, scheduler: 'wlc', flags: 0x1, timeoutSeconds: 300, netmaskPrefix: 32 });
  });

  it('parses a GET_DEST reply with connection counters', () => {
    const reply = hex(
      `05010000 | 50000280 | ${DEST_KEY} | 08000300 00000000 | 08000400 00000000 | 08000500 00000000 | 08000600 00000000 | 08000700 02000000 | 08000800 05000000`,
    );
    assert.deepEqual(parseDestReply(reply, 'IPv4'), { ...server, weight: 0, activeConnections: 2, inactiveConnections: 5 });
  });

  // A firewall-mark service (DSR): IPVS_SVC_ATTR_FWMARK = 5, a u32 in host order; the kernel's
  // ip_vs_genl_parse_service takes AF and FWMARK instead of PROTOCOL, ADDR and PORT.
  const marked: VirtualService = { family: 'IPv4', protocol: 'TCP', address: '0.0.0.0', port: 0, fwmark: 0x1234, scheduler: 'rr', flags: 0, timeoutSeconds: 0, netmaskPrefix: 32 };
  const SERVICE_KEY_MARK = ['06000100 0200 0000', '08000500 34120000'].join('|'); // AF_INET, FWMARK 0x1234

  it('IPVS_CMD_NEW_SERVICE of a firewall-mark service: AF and FWMARK, no protocol, address or port (56 bytes nested)', () => {
    assert.deepEqual(newServiceMessage(marked), hex(`01010000 | 38000180 | ${SERVICE_KEY_MARK} | ${SERVICE_SETTINGS_RR}`));
  });

  it('IPVS_CMD_DEL_SERVICE of a firewall-mark service: AF and FWMARK alone (20 bytes nested)', () => {
    assert.deepEqual(deleteServiceMessage(marked), hex(`03010000 | 14000180 | ${SERVICE_KEY_MARK}`));
  });

  it('IPVS_CMD_NEW_DEST with the tunnel method: the mark names the service, FWD_METHOD is IP_VS_CONN_F_TUNNEL (2)', () => {
    const tunnel = DEST_SETTINGS.replace('08000300 00000000', '08000300 02000000');
    assert.deepEqual(newDestMessage(marked, { ...server, forwarding: 'tunnel' }), hex(`05010000 | 14000180 | ${SERVICE_KEY_MARK} | 48000280 | ${DEST_KEY} | ${tunnel}`));
  });

  it('parses a firewall-mark service in a listing (the kernel sends AF and FWMARK, no address or port)', () => {
    const reply = hex(`01010000 | 40000180 | ${SERVICE_KEY_MARK} | 07000600 727200 00 | 0c000700 02000000 ffffffff | 08000800 00000000 | 08000900 ffffffff | 08000a80 00000000`);
    assert.deepEqual(parseServiceReply(reply), marked);
  });

  it('parses a tunnel real server', () => {
    const reply = hex(`05010000 | 30000280 | ${DEST_KEY} | 08000300 02000000 | 08000400 01000000`);
    assert.deepEqual(parseDestReply(reply, 'IPv4'), { ...server, forwarding: 'tunnel', activeConnections: 0, inactiveConnections: 0 });
  });
});
