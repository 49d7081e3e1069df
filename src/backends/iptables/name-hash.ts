/**
 * SHA-256 of short texts in JavaScript, printed as base32, for the names of chains and sets
 * (`stableHash` in `kernel-names.ts`): the digest `node:crypto` gives, without a call into
 * the crypto binding and a Buffer per name. A full proxy sync at 10,000 services names about
 * 120,000 chains; the binding's per-call cost, not the digest, was most of the time.
 */

// RFC 4648 base32 without padding: upper case letters and digits only, so a hashed name is
// safe in any iptables, ip6tables or ipset argument and payload.
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

// FIPS 180-4: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
// The first 32 bits of the fractional parts of the square roots of the first 8 primes.
const INITIAL = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const state = new Int32Array(8);
const schedule = new Int32Array(64);
const encoder = new TextEncoder();
let message = new Uint8Array(256);

/** Writes `text` as UTF-8 (lone surrogates as U+FFFD, as the crypto binding does) into `message`; returns the byte count. */
function encode(text: string): number {
  // Up to 3 bytes per UTF-16 unit, and room for the padding block.
  const room = text.length * 3 + 72;
  if (message.length < room) message = new Uint8Array(room * 2);
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit >= 0x80) return encoder.encodeInto(text, message).written;
    message[index] = unit;
  }
  return text.length;
}

function compress(offset: number): void {
  const w = schedule;
  for (let t = 0; t < 16; t++) {
    const at = offset + t * 4;
    w[t] = (message[at]! << 24) | (message[at + 1]! << 16) | (message[at + 2]! << 8) | message[at + 3]!;
  }
  for (let t = 16; t < 64; t++) {
    const x = w[t - 15]!;
    const y = w[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
  let e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let t = 0; t < 64; t++) {
    const sum1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const choice = (e & f) ^ (~e & g);
    const t1 = (h + sum1 + choice + K[t]! + w[t]!) | 0;
    const sum0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) ^ (a & c) ^ (b & c);
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + sum0 + majority) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** Leaves the SHA-256 of `text` (as UTF-8) in `state`. */
function digest(text: string): void {
  const length = encode(text);
  // The message, a 1 bit, zeros, and the bit length in the last 8 bytes of the last block.
  const total = (length + 9 + 63) & ~63;
  message[length] = 0x80;
  message.fill(0, length + 1, total - 4);
  const bits = length * 8;
  message[total - 8] = 0;
  message[total - 7] = 0;
  message[total - 6] = 0;
  message[total - 5] = Math.floor(bits / 0x100000000) & 255;
  message[total - 4] = (bits >>> 24) & 255;
  message[total - 3] = (bits >>> 16) & 255;
  message[total - 2] = (bits >>> 8) & 255;
  message[total - 1] = bits & 255;
  state.set(INITIAL);
  for (let offset = 0; offset < total; offset += 64) compress(offset);
}

/**
 * `length` (at most 51) base32 characters of the SHA-256 of `text`, the first five bits of the
 * digest first.
 */
export function sha256Base32(text: string, length: number): string {
  digest(text);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let index = 0; index < 32 && out.length < length; index++) {
    buffer = (buffer << 8) | ((state[index >> 2]! >>> (24 - 8 * (index & 3))) & 255);
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}
