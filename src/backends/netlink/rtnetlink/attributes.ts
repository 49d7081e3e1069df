/**
 * Netlink attributes (`struct nlattr`, linux/netlink.h): a 4-byte header (`nla_len` u16, the
 * header plus payload without padding; `nla_type` u16) followed by the payload, padded with
 * zeros to a multiple of 4. Integers are in host byte order (little-endian on the machines this
 * runs on) except where the kernel says network order (UDP ports). Only what the link codec
 * needs: the `netlink` package parses and formats everything else.
 *
 * @module
 */

/** `NLA_F_NESTED`: the payload is itself a stream of attributes. */
export const NLA_F_NESTED = 0x8000;
/** Bits of `nla_type` that are flags, not the type. */
const NLA_TYPE_MASK = ~(0x8000 | 0x4000) & 0xffff;

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

/** A nested attribute holding `children` (flagged `NLA_F_NESTED`, as the kernel's strict parser wants). */
export function nested(type: number, children: readonly Uint8Array[]): Buffer {
  return attribute(type | NLA_F_NESTED, Buffer.concat(children));
}

/** A u8 payload. */
export function u8(value: number): Buffer {
  return Buffer.from([value & 0xff]);
}

/** A u16 payload in host (little-endian) order. */
export function u16(value: number): Buffer {
  const out = Buffer.alloc(2);
  out.writeUInt16LE(value, 0);
  return out;
}

/** A u16 payload in network (big-endian) order, as UDP ports are. */
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

/** A NUL-terminated string payload. */
export function cString(value: string): Buffer {
  return Buffer.concat([Buffer.from(value, 'utf8'), Buffer.from([0])]);
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
    const type = buffer.readUInt16LE(offset + 2) & NLA_TYPE_MASK;
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
