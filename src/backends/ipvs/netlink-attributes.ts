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

/** `NLA_F_NESTED`: the payload is itself a stream of attributes. */
export const NLA_F_NESTED = 0x8000;
/** `NLA_F_NET_BYTEORDER`; masked off with `NLA_F_NESTED` when reading a type. */
const NLA_F_NET_BYTEORDER = 0x4000;
const HEADER_LENGTH = 4;

function padded(length: number): number {
  return (length + 3) & ~3;
}

/** One attribute: header, payload and padding. */
export function attribute(type: number, payload: Uint8Array): Buffer {
  const length = HEADER_LENGTH + payload.length;
  const out = Buffer.alloc(padded(length));
  out.writeUInt16LE(length, 0);
  out.writeUInt16LE(type, 2);
  out.set(payload, HEADER_LENGTH);
  return out;
}

/** A nested attribute holding `children`, flagged `NLA_F_NESTED`. */
export function nested(type: number, children: readonly Uint8Array[]): Buffer {
  return attribute(type | NLA_F_NESTED, Buffer.concat(children));
}

/** A u16 payload in host (little-endian) order. */
export function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16LE(value, 0);
  return out;
}

/** A u16 payload in network (big-endian) order. */
export function be16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16BE(value, 0);
  return out;
}

/** A u32 payload in host (little-endian) order. */
export function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value >>> 0, 0);
  return out;
}

/** A u32 payload in network (big-endian) order. */
export function be32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0, 0);
  return out;
}

/** A NUL-terminated string payload. */
export function cString(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]);
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

/**
 * The attributes of a stream, by type (flags masked off); a later duplicate wins. A
 * truncated attribute ends the walk, as the kernel's own parser stops there.
 */
export function parseAttributes(stream: Uint8Array): Map<number, Buffer> {
  const buffer = Buffer.from(stream.buffer, stream.byteOffset, stream.byteLength);
  const found = new Map<number, Buffer>();
  let offset = 0;
  while (offset + HEADER_LENGTH <= buffer.length) {
    const length = buffer.readUInt16LE(offset);
    if (length < HEADER_LENGTH || offset + length > buffer.length) break;
    const type = buffer.readUInt16LE(offset + 2) & ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;
    found.set(type, buffer.subarray(offset + HEADER_LENGTH, offset + length));
    offset += padded(length);
  }
  return found;
}

/** The text of a NUL-terminated string payload. */
export function readCString(payload: Buffer): string {
  const end = payload.indexOf(0);
  return payload.subarray(0, end < 0 ? payload.length : end).toString('utf8');
}

/** `GENL_HDRLEN`: `struct genlmsghdr { __u8 cmd; __u8 version; __u16 reserved; }`. */
export const GENL_HEADER_LENGTH = 4;

/** A generic netlink payload: the 4-byte header, then the attributes. */
export function genlPayload(command: number, version: number, attributes: readonly Uint8Array[]): Buffer {
  const header = Buffer.from([command & 0xff, version & 0xff, 0, 0]);
  return Buffer.concat([header, ...attributes]);
}
