import ipaddr from 'ipaddr.js';
import type { IPFamily } from '../../model/index.js';

/**
 * The family of an IP address, or undefined when it does not parse. The store validates
 * addresses, so undefined here means a test fake or a bug upstream: planners skip such an
 * address rather than guess (it never reaches a backend).
 */
export function familyOfAddress(address: string): IPFamily | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  return ipaddr.parse(address).kind() === 'ipv4' ? 'IPv4' : 'IPv6';
}

/** The family of a CIDR, or undefined when it does not parse. */
export function familyOfCidr(cidr: string): IPFamily | undefined {
  if (!ipaddr.isValidCIDR(cidr)) return undefined;
  return ipaddr.parseCIDR(cidr)[0].kind() === 'ipv4' ? 'IPv4' : 'IPv6';
}

/** Sort key of an address: family first (IPv4 before IPv6), then the address bytes. */
function addressBytes(address: string): readonly number[] {
  if (!ipaddr.isValid(address)) return [];
  const parsed = ipaddr.parse(address);
  // A leading family byte keeps every IPv4 address before every IPv6 address.
  return [parsed.kind() === 'ipv4' ? 4 : 6, ...parsed.toByteArray()];
}

function compareBytes(a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const difference = (a[i] as number) - (b[i] as number);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

/**
 * Orders addresses numerically, IPv4 before IPv6 (so `10.0.0.2` comes before `10.0.0.10`).
 * Unparsable strings sort first, by text, so the order stays total and deterministic.
 */
export function compareAddresses(a: string, b: string): number {
  return compareBytes(addressBytes(a), addressBytes(b)) || compareText(a, b);
}

/** Orders CIDRs by network address (as {@link compareAddresses}), then by prefix length. */
export function compareCidrs(a: string, b: string): number {
  const [addressA = '', prefixA = ''] = a.split('/');
  const [addressB = '', prefixB = ''] = b.split('/');
  return compareAddresses(addressA, addressB) || Number(prefixA) - Number(prefixB) || compareText(a, b);
}

/** Plain code-unit order: locale-independent, so plans never depend on the machine's locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The distinct addresses of `addresses`, in {@link compareAddresses} order. */
export function sortedUniqueAddresses(addresses: Iterable<string>): string[] {
  return [...new Set(addresses)].sort(compareAddresses);
}

/** The distinct CIDRs of `cidrs`, in {@link compareCidrs} order. */
export function sortedUniqueCidrs(cidrs: Iterable<string>): string[] {
  return [...new Set(cidrs)].sort(compareCidrs);
}
