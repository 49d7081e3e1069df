import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hashedName } from '../../../src/backends/iptables/kernel-names.js';
import { endpointChain, endpointSetChain, externalChain, sourceRangeChain } from '../../../src/backends/iptables/proxy/proxy-chain-names.js';
import { sha256Base32 } from '../../../src/backends/iptables/name-hash.js';

/** RFC 4648 base32 of `bytes` (no padding), written out bit by bit: independent of the code under test. */
function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...bytes].map((byte) => byte.toString(2).padStart(8, '0')).join('');
  let out = '';
  for (let at = 0; at + 5 <= bits.length; at += 5) out += alphabet[Number.parseInt(bits.slice(at, at + 5), 2)];
  return out;
}

/** What the crypto binding gives for `text`: its SHA-256 (of its UTF-8) in base32, `length` characters. */
function expected(text: string, length: number): string {
  return base32(createHash('sha256').update(text, 'utf8').digest()).slice(0, length);
}

/** A reproducible text of `length` UTF-16 units below `limit` (xorshift, seeded). */
function text(seed: number, length: number, limit: number): string {
  let state = seed | 1;
  let out = '';
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out += String.fromCharCode(1 + ((state >>> 0) % (limit - 1)));
  }
  return out;
}

describe('kernel name hash (SHA-256 in base32, against node:crypto)', () => {
  it('gives the known SHA-256 of "abc" (FIPS 180-2 example: ba7816bf...) in base32', () => {
    // ba 78 16 bf 8f = 10111010 01111000 00010110 10111111 10001111: 10111 01001 11100 00001 01101 01111 11100 01111.
    assert.equal(sha256Base32('abc', 8), 'XJ4BNP4P');
  });

  it('matches node:crypto at every length around the 64-byte block boundaries', () => {
    for (let length = 0; length <= 200; length++) {
      const ascii = text(length + 1, length, 128);
      assert.equal(sha256Base32(ascii, 51), expected(ascii, 51), `ASCII of ${length} characters`);
    }
  });

  it('matches node:crypto for non-ASCII text, surrogate pairs, lone surrogates and long text', () => {
    const samples = ['é', '😀 service', 'x\ud800y', '\udc00', 'é'.repeat(100), 'a'.repeat(10_000), `ns/web:http/TCP\u000010.1.1.5\u00008080`];
    for (let seed = 1; seed <= 300; seed++) samples.push(text(seed, seed % 90, seed % 2 === 0 ? 0x800 : 0x10000));
    for (const sample of samples) {
      for (const length of [10, 16, 51]) assert.equal(sha256Base32(sample, length), expected(sample, length), JSON.stringify(sample.slice(0, 20)));
    }
  });

  it('names every per-port chain as the crypto-based hashedName did (names programmed before stay the same)', () => {
    const key = 'default/web:http/TCP';
    const nul = '\u0000';
    assert.equal(endpointChain(key, '10.1.1.5', 8080), hashedName('KR-SEP-', `${key}${nul}10.1.1.5${nul}8080`, 28));
    assert.equal(endpointSetChain(key, 'IPv6', 'local'), hashedName('KR-SVL-', `${key}${nul}IPv6`, 28));
    assert.equal(externalChain(key, 'NodePort', undefined, 30080, 'IPv4'), hashedName('KR-EXT-', `${key}${nul}NodePort${nul}${nul}30080${nul}IPv4`, 28));
    assert.equal(sourceRangeChain(key, '172.16.200.1', 443, 'IPv4'), hashedName('KR-LBFW-', `${key}${nul}172.16.200.1${nul}443${nul}IPv4`, 28));
    assert.equal(endpointChain(key, '10.1.1.5', 8080).length, 23);
  });
});
