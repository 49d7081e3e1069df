import { sha256Base32 } from './name-hash.js';


/** iptables chain names hold at most 28 characters (XT_EXTENSION_MAXNAMELEN 29, with the NUL). */
export const MAX_CHAIN_NAME = 28;
/** ipset set names hold at most 31 characters (IPSET_MAXNAMELEN 32, with the NUL). */
export const MAX_SET_NAME = 31;

/**
 * `length` (at most 51) base32 characters of the SHA-256 of `text`: a stable name part for
 * text a user chose (a pod key, a policy key, a peer set id), which never reaches a payload
 * itself.
 */
export function stableHash(text: string, length: number): string {
  return sha256Base32(text, length);
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
