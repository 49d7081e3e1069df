import ipaddr from 'ipaddr.js';
import type { IPFamily } from '../../../core/model/index.js';

/**
 * Addresses and CIDRs as nft set elements, with interval arithmetic: an ipBlock's CIDR minus
 * its excepts becomes disjoint ranges of one interval set, so a peer is one lookup. Every
 * address is parsed and printed again, so text that is not an address never reaches a payload.
 *
 * @module
 */

/** An inclusive address range, as integers. */
export interface AddressInterval {
  readonly start: bigint;
  readonly end: bigint;
}

const bitsOf = (family: IPFamily): number => (family === 'IPv4' ? 32 : 128);

function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let value = 0n;
  for (const byte of address.toByteArray()) value = (value << 8n) | BigInt(byte);
  return value;
}

function fromBigInt(value: bigint, family: IPFamily): string {
  const bytes: number[] = [];
  for (let i = 0; i < bitsOf(family) / 8; i++) {
    bytes.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** `ip` in normal form when it is a plain address of `family`, else undefined. */
export function normalAddress(ip: string, family: IPFamily): string | undefined {
  const plain = family === 'IPv4' ? ipaddr.IPv4.isValidFourPartDecimal(ip) : ipaddr.IPv6.isValid(ip) && !ip.includes('%');
  if (!plain) return undefined;
  const parsed = ipaddr.parse(ip);
  return parsed.kind() === (family === 'IPv4' ? 'ipv4' : 'ipv6') ? parsed.toString() : undefined;
}

/** The addresses `cidr` covers, when it is a CIDR of `family` (host bits ignored), else undefined. */
export function cidrInterval(cidr: string, family: IPFamily): AddressInterval | undefined {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(cidr);
  } catch {
    return undefined;
  }
  const [address, prefix] = parsed;
  if (address.kind() !== (family === 'IPv4' ? 'ipv4' : 'ipv6')) return undefined;
  const host = BigInt(bitsOf(family) - prefix);
  const start = (toBigInt(address) >> host) << host;
  return { start, end: start + (1n << host) - 1n };
}

/** `whole` minus every interval of `holes`, as sorted disjoint intervals. */
export function subtractIntervals(whole: AddressInterval, holes: readonly AddressInterval[]): AddressInterval[] {
  const sorted = [...holes].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: AddressInterval[] = [];
  let cursor = whole.start;
  for (const hole of sorted) {
    if (hole.end < cursor || hole.start > whole.end) continue;
    if (hole.start > cursor) out.push({ start: cursor, end: hole.start - 1n });
    cursor = hole.end + 1n;
    if (cursor > whole.end) return out;
  }
  if (cursor <= whole.end) out.push({ start: cursor, end: whole.end });
  return out;
}

/** Sorted, with touching or overlapping intervals joined: a canonical form to compare. */
export function mergeIntervals(intervals: readonly AddressInterval[]): AddressInterval[] {
  const sorted = [...intervals].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: AddressInterval[] = [];
  for (const interval of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && interval.start <= last.end + 1n) {
      out[out.length - 1] = { start: last.start, end: interval.end > last.end ? interval.end : last.end };
    } else {
      out.push(interval);
    }
  }
  return out;
}

/** An interval as one nft element: `a.b.c.d/len` when it is a prefix, else `first-last`. */
export function intervalElement(interval: AddressInterval, family: IPFamily): string {
  const size = interval.end - interval.start + 1n;
  const bits = bitsOf(family);
  if ((size & (size - 1n)) === 0n && interval.start % size === 0n) {
    const host = size.toString(2).length - 1;
    return `${fromBigInt(interval.start, family)}/${bits - host}`;
  }
  return `${fromBigInt(interval.start, family)}-${fromBigInt(interval.end, family)}`;
}

/** An element as nft's JSON lists it (address, `{prefix}` or `{range}`) as an interval. */
export function intervalOfJsonElement(element: unknown, family: IPFamily): AddressInterval | undefined {
  if (typeof element === 'string') {
    const address = normalAddress(element, family);
    if (address === undefined) return undefined;
    const value = toBigInt(ipaddr.parse(address));
    return { start: value, end: value };
  }
  if (typeof element !== 'object' || element === null) return undefined;
  const record = element as { prefix?: { addr?: unknown; len?: unknown }; range?: unknown[] };
  if (record.prefix && typeof record.prefix.addr === 'string' && typeof record.prefix.len === 'number') {
    return cidrInterval(`${record.prefix.addr}/${record.prefix.len}`, family);
  }
  if (Array.isArray(record.range) && record.range.length === 2) {
    const [first, last] = record.range.map((part) => intervalOfJsonElement(part, family));
    return first && last ? { start: first.start, end: last.end } : undefined;
  }
  return undefined;
}
