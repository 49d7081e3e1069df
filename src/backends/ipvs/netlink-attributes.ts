/**
 * Netlink attributes (`struct nlattr`, linux/netlink.h) and the generic netlink header
 * (`struct genlmsghdr`, linux/genetlink.h), as IPVS messages need them. An attribute is a
 * 4-byte header (`nla_len` u16: header plus payload, without padding; `nla_type` u16)
 * followed by the payload, padded with zeros to a multiple of 4. Integers are in host order
 * (little-endian on the machines this runs on) except where IPVS says network order (ports,
 * the IPv4 netmask).
 *
 * @module
 */
import ipaddr from 'ipaddr.js';
import type { IPFamily } from '../../core/model/index.js';

export { attribute, be16, cString, nested, NLA_F_NESTED, parseAttributes, readCString, u16, u32 } from '../netlink/rtnetlink/attributes.js';

/** A u32 payload in network (big-endian) order. */
export function be32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0, 0);
  return out;
}

/**
 * A `union nf_inet_addr` payload: 16 bytes, an IPv4 address in the first four and zeros after,
 * as the kernel stores and lists it. Throws `RangeError` on text that is not an address.
 */
export function inetAddress(address: string): Buffer {
  if (!ipaddr.isValid(address)) throw new RangeError(`not an IP address: ${JSON.stringify(address)}`);
  const out = Buffer.alloc(16);
  out.set(ipaddr.parse(address).toByteArray(), 0);
  return out;
}

/** The text of a `union nf_inet_addr` payload of `family` (IPv6 in RFC 5952 form). */
export function inetAddressText(payload: Buffer, family: IPFamily): string {
  if (family === 'IPv4') return ipaddr.fromByteArray([...payload.subarray(0, 4)]).toString();
  return (ipaddr.fromByteArray([...payload.subarray(0, 16)]) as ipaddr.IPv6).toRFC5952String();
}

/** The canonical text of an address (IPv6 in RFC 5952 form), so keys compare equal. */
export function canonicalAddress(address: string): string {
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv6' ? (parsed as ipaddr.IPv6).toRFC5952String() : parsed.toString();
}

/** `GENL_HDRLEN`: `struct genlmsghdr { __u8 cmd; __u8 version; __u16 reserved; }`. */
export const GENL_HEADER_LENGTH = 4;

/** A generic netlink payload: the 4-byte header, then the attributes. */
export function genlPayload(command: number, version: number, attributes: readonly Uint8Array[]): Buffer {
  const header = Buffer.from([command & 0xff, version & 0xff, 0, 0]);
  return Buffer.concat([header, ...attributes]);
}
