import ipaddr from 'ipaddr.js';
import { ConfigError } from '../../../core/errors.js';
import type { IPFamily } from '../../../core/model/index.js';
import { skipInput, type RenderProblems } from './render-problems.js';

/**
 * Addresses as they reach a payload: parsed again and printed in normal form, so a plan built
 * by hand with a stray newline or option in an address fails here, never in the kernel tool.
 *
 * @module
 */

function kindOf(family: IPFamily): 'ipv4' | 'ipv6' {
  return family === 'IPv4' ? 'ipv4' : 'ipv6';
}

/** `ip` in normal form, checked to be a plain address of `family`. */
export function addressText(ip: string, family: IPFamily): string {
  // Four-part decimal only for IPv4: ipaddr.js also reads `010.1.2.3` and `1.2.3` forms.
  const plain = family === 'IPv4' ? ipaddr.IPv4.isValidFourPartDecimal(ip) : ipaddr.IPv6.isValid(ip) && !ip.includes('%');
  if (!plain) throw new ConfigError(`not an ${family} address: ${JSON.stringify(ip)}`);
  const parsed = ipaddr.parse(ip);
  if (parsed.kind() !== kindOf(family)) throw new ConfigError(`${ip} is not an ${family} address`);
  return parsed.toString();
}

/**
 * `ip` in normal form, or undefined (counted in `problems` with `where` as the reason's owner)
 * when it is not a plain address of `family`: the caller leaves it out, failing closed.
 */
export function addressOrSkip(ip: string, family: IPFamily, problems: RenderProblems | undefined, where: string): string | undefined {
  try {
    return addressText(ip, family);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    skipInput(problems, `${where}: skipped an address that is not an ${family} address`);
    return undefined;
  }
}

/** A parsed CIDR of one family: its network address and prefix length. */
export interface CidrText {
  /** The network address, host bits cleared, in normal form. */
  readonly network: string;
  /** The prefix length. */
  readonly prefix: number;
}

/** `cidr` checked to be of `family`, with its host bits cleared. */
export function cidrText(cidr: string, family: IPFamily): CidrText {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(cidr);
  } catch {
    throw new ConfigError(`not a CIDR: ${JSON.stringify(cidr)}`);
  }
  const [address, prefix] = parsed;
  if (address.kind() !== kindOf(family)) throw new ConfigError(`${cidr} is not an ${family} CIDR`);
  const network = address.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()
    : ipaddr.IPv6.networkAddressFromCIDR(cidr).toString();
  return { network, prefix };
}

/** True when `inner` lies within `outer` (same family). */
export function cidrWithin(inner: CidrText, outer: CidrText): boolean {
  if (inner.prefix < outer.prefix) return false;
  return ipaddr.parse(inner.network).match(ipaddr.parse(outer.network), outer.prefix);
}

/**
 * `cidr` as `hash:net` entries: ipset refuses a prefix length of 0, so the whole address
 * space becomes its two halves.
 */
export function hashNetEntries(cidr: CidrText, family: IPFamily): string[] {
  if (cidr.prefix > 0) return [`${cidr.network}/${cidr.prefix}`];
  return family === 'IPv4' ? ['0.0.0.0/1', '128.0.0.0/1'] : ['::/1', '8000::/1'];
}

/** `/32` or `/128`: how iptables prints a single address. */
export function hostCidr(ip: string, family: IPFamily): string {
  return `${addressText(ip, family)}/${family === 'IPv4' ? 32 : 128}`;
}
