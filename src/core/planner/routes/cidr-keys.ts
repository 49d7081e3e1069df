import ipaddr from 'ipaddr.js';
import type { IPFamily } from '../../model/index.js';

/**
 * A CIDR read once into the form the route planner compares, indexes and sorts by.
 *
 * `sortKey` is the family digit (`4` sorts before `6`), the network address as fixed-width
 * lower-case hex (8 or 32 digits) and the prefix length as three decimal digits, so plain
 * string order is numeric order: by family, then network address, then prefix length. The old
 * planner parsed both CIDRs on every comparison of its sort, which cost about 100 ms at 5,000
 * nodes; keys are computed once per CIDR instead, and index lookups are string lookups.
 */
export interface CidrKey {
  /** Canonical `network/prefix` text (the model's own form for pod CIDRs). */
  readonly text: string;
  readonly family: IPFamily;
  /** The network address as 8 (IPv4) or 32 (IPv6) lower-case hex digits. */
  readonly hex: string;
  readonly prefix: number;
  readonly sortKey: string;
}

// Plain decimal without leading zeros: `010` would be octal to some readers, `0x1` hex.
const DECIMAL_OCTET = /^(0|[1-9]\d{0,2})$/;

/**
 * An address as fixed-width lower-case hex (8 digits for IPv4, 32 for IPv6), or undefined
 * when it does not parse. Dotted IPv4, the bulk of a cluster's addresses, is read without
 * ipaddr.js.
 */
export function addressHex(address: string): string | undefined {
  if (!address.includes(':')) {
    const octets = address.split('.');
    if (octets.length !== 4) return undefined;
    let hex = '';
    for (const octet of octets) {
      const value = Number(octet);
      if (!DECIMAL_OCTET.test(octet) || value > 255) return undefined;
      hex += value.toString(16).padStart(2, '0');
    }
    return hex;
  }
  return ipv6Hex(address);
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * IPv6 text as 32 hex digits. The plain and `::`-compressed forms, which is all the model
 * holds, are read by hand (ipaddr.js costs several times more, and a full plan reads every
 * node's addresses); anything else (an embedded IPv4 tail) goes to ipaddr.js.
 */
function ipv6Hex(address: string): string | undefined {
  if (address.includes('.')) {
    if (!ipaddr.IPv6.isValid(address)) return undefined;
    return ipaddr.IPv6.parse(address)
      .toByteArray()
      .map((byte) => byte.toString(16).padStart(2, '0'))
      .join('');
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':');
  const tail = halves.length === 1 || halves[1] === '' ? [] : (halves[1] as string).split(':');
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  let hex = '';
  for (const group of head) {
    if (!HEX_GROUP.test(group)) return undefined;
    hex += group.padStart(4, '0');
  }
  hex += '0000'.repeat(missing);
  for (const group of tail) {
    if (!HEX_GROUP.test(group)) return undefined;
    hex += group.padStart(4, '0');
  }
  return hex.toLowerCase();
}

/**
 * Reads `cidr` (`address/prefix`). Host bits are cleared, so `10.1.1.5/24` reads as
 * `10.1.1.0/24`; the model never holds such CIDRs, but configured ones (underlay CIDRs taken
 * from an interface address) may. Undefined when it does not parse.
 */
export function cidrKeyOf(cidr: string): CidrKey | undefined {
  const slash = cidr.indexOf('/');
  if (slash < 0) return undefined;
  const hex = addressHex(cidr.slice(0, slash));
  if (hex === undefined) return undefined;
  const prefixText = cidr.slice(slash + 1);
  const prefix = Number(prefixText);
  const family: IPFamily = hex.length === 8 ? 'IPv4' : 'IPv6';
  if (!/^\d{1,3}$/.test(prefixText) || prefix > hex.length * 4) return undefined;
  const network = maskHex(hex, prefix);
  const text = network === hex ? cidr : `${hexToAddress(network)}/${prefix}`;
  return { text, family, hex: network, prefix, sortKey: sortKeyOf(network, prefix) };
}

/** `cidr` in canonical text: dotted IPv4 or compressed lower-case IPv6, then the prefix. */
export function canonicalCidrText(cidr: CidrKey): string {
  return `${hexToAddress(cidr.hex)}/${cidr.prefix}`;
}

/** The host CIDR of `address` (`/32` or `/128`), or undefined when it does not parse. */
export function hostCidrKeyOf(address: string): CidrKey | undefined {
  const hex = addressHex(address);
  if (hex === undefined) return undefined;
  const prefix = hex.length * 4;
  return { text: `${address}/${prefix}`, family: hex.length === 8 ? 'IPv4' : 'IPv6', hex, prefix, sortKey: sortKeyOf(hex, prefix) };
}

/** True when the address `hex` (same family as `cidr`) lies in `cidr`. */
export function cidrContainsHex(cidr: CidrKey, hex: string): boolean {
  return hex.length === cidr.hex.length && maskHex(hex, cidr.prefix) === cidr.hex;
}

/** The sort key of the network that contains `cidr` at the shorter `prefix`. */
export function supernetSortKey(cidr: CidrKey, prefix: number): string {
  return sortKeyOf(maskHex(cidr.hex, prefix), prefix);
}

/**
 * A prefix of sort keys shared by every CIDR whose network address lies in `cidr`: the family
 * digit and the hex digits that `cidr`'s prefix fixes whole. A range scan over it finds every
 * CIDR inside `cidr` (and a few neighbours when the prefix is not a multiple of four, which the
 * caller filters with {@link cidrContainsHex}).
 */
export function sortKeyPrefixWithin(cidr: CidrKey): string {
  return familyDigit(cidr.hex) + cidr.hex.slice(0, Math.floor(cidr.prefix / 4));
}

function sortKeyOf(hex: string, prefix: number): string {
  return familyDigit(hex) + hex + String(prefix).padStart(3, '0');
}

function familyDigit(hex: string): string {
  return hex.length === 8 ? '4' : '6';
}

/** `hex` with every bit after the first `prefix` cleared. */
function maskHex(hex: string, prefix: number): string {
  const whole = Math.floor(prefix / 4);
  const partialBits = prefix % 4;
  if (whole >= hex.length) return hex;
  let masked = hex.slice(0, whole);
  if (partialBits > 0) {
    const digit = Number.parseInt(hex.charAt(whole), 16) & ((0xf << (4 - partialBits)) & 0xf);
    masked += digit.toString(16);
  }
  return masked.padEnd(hex.length, '0');
}

function hexToAddress(hex: string): string {
  const bytes: number[] = [];
  for (let index = 0; index < hex.length; index += 2) bytes.push(Number.parseInt(hex.slice(index, index + 2), 16));
  return ipaddr.fromByteArray(bytes).toString();
}
