/**
 * LoadBalancer source ranges as ipset entries. A range is user input (the Service's
 * `loadBalancerSourceRanges`): it reaches the `ipset restore` payload only as a network
 * address and prefix length printed from the parsed value, never as the text given.
 *
 * @module
 */
import ipaddr from 'ipaddr.js';
import type { ProxyFrontend } from '../../core/plan/proxy-plan.js';

/** One range read: its canonical `network/prefix` text, or why it was left out. */
export type ParsedSourceRange = { readonly cidr: string } | { readonly problem: string };

/** Parses one range of a frontend's family (host bits cleared: `10.0.0.7/8` is `10.0.0.0/8`). */
export function parseSourceRange(range: string, family: ProxyFrontend['family']): ParsedSourceRange {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(range.trim());
  } catch {
    return { problem: `source range ${JSON.stringify(range)} is not a CIDR` };
  }
  const [address, prefix] = parsed;
  if ((address.kind() === 'ipv4') !== (family === 'IPv4')) return { problem: `source range ${JSON.stringify(range)} is not an ${family} CIDR` };
  const network = address.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(range.trim()).toString() : (ipaddr.IPv6.networkAddressFromCIDR(range.trim()) as ipaddr.IPv6).toRFC5952String();
  return { cidr: `${network}/${prefix}` };
}

/**
 * The allowed ranges of a LoadBalancer frontend as ipset `net` entries, or undefined when it
 * filters nothing: no ranges, or a range of prefix 0 (every source; `hash:ip,port,net` cannot
 * hold a /0). A range that does not parse is left out, so the sources it meant are refused
 * (fail closed); {@link sourceRangeProblems} names it.
 */
export function sourceRangeCidrs(frontend: ProxyFrontend): string[] | undefined {
  if (frontend.sourceRanges.length === 0) return undefined;
  const cidrs: string[] = [];
  for (const range of frontend.sourceRanges) {
    const parsed = parseSourceRange(range, frontend.family);
    if (!('cidr' in parsed)) continue;
    if (parsed.cidr.endsWith('/0')) return undefined;
    cidrs.push(parsed.cidr);
  }
  return [...new Set(cidrs)];
}

/** Why ranges of a frontend were left out (empty when all parse). */
export function sourceRangeProblems(frontend: ProxyFrontend): string[] {
  return frontend.sourceRanges.flatMap((range) => {
    const parsed = parseSourceRange(range, frontend.family);
    return 'problem' in parsed ? [parsed.problem] : [];
  });
}
