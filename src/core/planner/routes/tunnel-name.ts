import { createHash } from 'node:crypto';

/** RFC 4648 base32 digits, lower-case: letters and digits only, safe in any interface name. */
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Linux interface names hold at most 15 characters (IFNAMSIZ, 16, less the NUL). */
const MAX_INTERFACE_NAME = 15;
const PREFIX = 'tun-';

/**
 * The tunnel device name for the remote underlay address `address`: `tun-` followed by the
 * first 55 bits of the SHA-256 digest of the address text (as the model holds it: dotted
 * IPv4, compressed lower-case IPv6), written as 11 lower-case base32 digits. 15 characters in
 * all, the longest name Linux accepts.
 *
 * Why a hash: an IPv6 address does not fit in 11 characters, and one scheme for both families
 * keeps names uniform. Why SHA-256: it is stable across Node versions and machines, so every
 * agent restart finds the devices it created before. 55 bits make a collision among 10,000
 * addresses about a one in 700 million chance; the planner still checks, and skips the nodes
 * of any name two addresses share rather than program one device for both.
 */
export function tunnelName(address: string): string {
  const digest = createHash('sha256').update(address).digest();
  let name = PREFIX;
  let buffered = 0;
  let bufferedBits = 0;
  for (const byte of digest) {
    buffered = ((buffered << 8) | byte) & 0xffff;
    bufferedBits += 8;
    while (bufferedBits >= 5) {
      bufferedBits -= 5;
      name += BASE32.charAt((buffered >>> bufferedBits) & 31);
      if (name.length === MAX_INTERFACE_NAME) return name;
    }
  }
  return name;
}
