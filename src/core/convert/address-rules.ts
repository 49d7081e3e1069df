import ipaddr from 'ipaddr.js';
import type { ParsedCIDR, ParsedIP } from './ip-parsing.js';

/**
 * Which addresses may stand for a pod, an endpoint or a service frontend.
 *
 * Kubernetes refuses, for endpoint addresses and service external IPs, the unspecified
 * address, loopback, link-local unicast and link-local multicast (`ValidateEndpointIP`): they
 * are nonsense as destinations, and 169.254.169.254 is where clouds serve node credentials.
 * This project refuses all multicast (224.0.0.0/4, ff00::/8), one step further than the API
 * server, whose own source calls its acceptance of global multicast probably a bug: a
 * multicast group cannot be the single destination a DNAT or a route sends a connection to.
 * The same rule is applied where the API server checks less (pod IPs, load balancer ingress
 * IPs), because those addresses reach the same rules: a loopback ingress IP would capture the
 * node's own traffic to 127.0.0.1.
 *
 * @module
 */

interface SpecialRange {
  readonly cidr: [ipaddr.IPv4 | ipaddr.IPv6, number];
  readonly what: string;
}

const IPV4_LOOPBACK = 'loopback (127.0.0.0/8)';
const IPV4_LINK_LOCAL = 'link-local (169.254.0.0/16)';
const IPV4_MULTICAST = 'multicast (224.0.0.0/4)';

/** Canonical dotted decimal (what `parseIP` returns). */
const CANONICAL_IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

const SPECIAL_RANGES: readonly SpecialRange[] = [
  { cidr: ipaddr.parseCIDR('127.0.0.0/8'), what: IPV4_LOOPBACK },
  { cidr: ipaddr.parseCIDR('::1/128'), what: 'loopback (::1)' },
  { cidr: ipaddr.parseCIDR('169.254.0.0/16'), what: IPV4_LINK_LOCAL },
  { cidr: ipaddr.parseCIDR('fe80::/10'), what: 'link-local (fe80::/10)' },
  { cidr: ipaddr.parseCIDR('224.0.0.0/4'), what: IPV4_MULTICAST },
  { cidr: ipaddr.parseCIDR('ff00::/8'), what: 'multicast (ff00::/8)' },
];

/**
 * Why `ip` cannot be a pod IP, an endpoint address, an external IP or a load balancer
 * ingress IP (see the module comment), or undefined when it can.
 */
export function nonUnicastAddressReason(ip: ParsedIP): string | undefined {
  if (ip.text === '0.0.0.0' || ip.text === '::') return `${ip.text} is the unspecified address`;
  if (CANONICAL_IPV4.test(ip.text)) {
    // The common case, decided from the first two octets without parsing the address again
    // (read from the characters: no match array and no strings per address).
    const first = leadingOctet(ip.text, 0);
    const second = leadingOctet(ip.text, ip.text.indexOf('.') + 1);
    if (first === 127) return `${ip.text} is ${IPV4_LOOPBACK}`;
    if (first === 169 && second === 254) return `${ip.text} is ${IPV4_LINK_LOCAL}`;
    if (first >= 224 && first <= 239) return `${ip.text} is ${IPV4_MULTICAST}`;
    return undefined;
  }
  const address = ipaddr.parse(ip.text);
  for (const { cidr, what } of SPECIAL_RANGES) {
    if (inRange(address, cidr)) return `${ip.text} is ${what}`;
  }
  return undefined;
}

/** The decimal number at `from` in `text`, up to the next dot (of an address CANONICAL_IPV4 matched). */
function leadingOctet(text: string, from: number): number {
  let octet = 0;
  for (let index = from; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 46) break;
    octet = octet * 10 + (code - 48);
  }
  return octet;
}

function inRange(address: ipaddr.IPv4 | ipaddr.IPv6, [network, bits]: [ipaddr.IPv4 | ipaddr.IPv6, number]): boolean {
  if (address instanceof ipaddr.IPv4) return network instanceof ipaddr.IPv4 && address.match(network, bits);
  return network instanceof ipaddr.IPv6 && address.match(network, bits);
}

/** True for 0.0.0.0/0 and ::/0, which would claim every address of the family. */
export function isWholeFamily(cidr: ParsedCIDR): boolean {
  return cidr.prefixLength === 0;
}
