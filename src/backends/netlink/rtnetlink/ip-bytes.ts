/**
 * Conversions between address text and the byte strings rtnetlink carries (`struct in_addr`,
 * `struct in6_addr`: network order), and CIDR text kept canonical so routes compare as the
 * kernel lists them.
 *
 * @module
 */
import ipaddr from 'ipaddr.js';
import type { IPFamily } from '../../../core/model/index.js';

/** `AF_INET`. */
export const AF_INET = 2;
/** `AF_INET6`. */
export const AF_INET6 = 10;

/** The `AF_*` number of a family. */
export function addressFamilyNumber(family: IPFamily): number {
  return family === 'IPv4' ? AF_INET : AF_INET6;
}

/** The family of an `AF_*` number, or undefined for others (bridge, MPLS...). */
export function familyOfNumber(family: number): IPFamily | undefined {
  return family === AF_INET ? 'IPv4' : family === AF_INET6 ? 'IPv6' : undefined;
}

/** The bytes of an address (4 or 16). Throws `RangeError` on text that is not an address. */
export function addressBytes(address: string): Buffer {
  if (!ipaddr.isValid(address)) throw new RangeError(`not an IP address: ${JSON.stringify(address)}`);
  return Buffer.from(ipaddr.parse(address).toByteArray());
}

/** The text of 4 or 16 address bytes (IPv6 in RFC 5952 form). */
export function addressText(bytes: Uint8Array): string {
  const parsed = ipaddr.fromByteArray([...bytes]);
  return parsed.kind() === 'ipv6' ? (parsed as ipaddr.IPv6).toRFC5952String() : parsed.toString();
}

/** A parsed CIDR: network bytes and prefix length. */
export interface ParsedCidr {
  readonly family: IPFamily;
  readonly network: Buffer;
  readonly prefixLength: number;
}

/** Parses `cidr` to its network address (host bits cleared). Throws `RangeError` when invalid. */
export function parseCidr(cidr: string): ParsedCidr {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(cidr);
  } catch {
    throw new RangeError(`not a CIDR: ${JSON.stringify(cidr)}`);
  }
  const [address, prefixLength] = parsed;
  const bytes = address.toByteArray();
  for (let bit = prefixLength; bit < bytes.length * 8; bit++) {
    bytes[bit >> 3] = (bytes[bit >> 3] as number) & ~(0x80 >> (bit & 7));
  }
  return { family: address.kind() === 'ipv4' ? 'IPv4' : 'IPv6', network: Buffer.from(bytes), prefixLength };
}

/** `cidr` as the kernel prints it: network address, RFC 5952 for IPv6. */
export function canonicalCidr(cidr: string): string {
  const { network, prefixLength } = parseCidr(cidr);
  return `${addressText(network)}/${prefixLength}`;
}

/** `address` in canonical text (RFC 5952 for IPv6). */
export function canonicalAddress(address: string): string {
  return addressText(addressBytes(address));
}

/** Hardware address text (`aa:bb:cc:dd:ee:ff`) to bytes. */
export function macBytes(mac: string): Buffer {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw new RangeError(`not a MAC address: ${JSON.stringify(mac)}`);
  return Buffer.from(mac.split(':').map((part) => Number.parseInt(part, 16)));
}

/** Hardware address bytes to lower-case text. */
export function macText(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(':');
}
