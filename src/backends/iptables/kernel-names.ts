import { hash } from 'node:crypto';

// RFC 4648 base32 without padding: upper case letters and digits only, so a hashed name is
// safe in any iptables, ip6tables or ipset argument and payload.
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** iptables chain names hold at most 28 characters (XT_EXTENSION_MAXNAMELEN 29, with the NUL). */
export const MAX_CHAIN_NAME = 28;
/** ipset set names hold at most 31 characters (IPSET_MAXNAMELEN 32, with the NUL). */
export const MAX_SET_NAME = 31;

/**
 * `length` base32 characters of the SHA-256 of `text`: a stable name part for text a user
 * chose (a pod key, a policy key, a peer set id), which never reaches a payload itself.
 */
export function stableHash(text: string, length: number): string {
  // The one-shot hash: at 120,000 chain names per full render it costs half of createHash's.
  const digest = hash('sha256', text, 'buffer');
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of digest) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
    if (out.length >= length) break;
  }
  return out;
}

/**
 * `prefix` followed by as many hash characters of `text` as fit in `maxLength` (at most
 * `hashLength`). Throws when the prefix leaves no room for a hash of at least 10 characters
 * (50 bits), so names cannot collide by accident.
 */
export function hashedName(prefix: string, text: string, maxLength: number, hashLength = 16): string {
  const room = Math.min(hashLength, maxLength - prefix.length);
  if (room < 10) throw new Error(`name prefix "${prefix}" leaves ${room} characters for the hash`);
  return prefix + stableHash(text, room);
}
