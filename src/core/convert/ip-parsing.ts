import ipaddr from 'ipaddr.js';
import type { IPFamily } from '../model/index.js';
import type { ParseOutcome } from './parse-outcome.js';
import { quote } from './raw-values.js';

/** An IP address in the model's canonical text. */
export interface ParsedIP {
  /** IPv4 dotted decimal, or IPv6 in compressed lower-case form (`2001:db8::1`). */
  readonly text: string;
  /** IPv4 or IPv6. */
  readonly family: IPFamily;
}

/** A CIDR in the model's canonical text, always with a zero host part. */
export interface ParsedCIDR {
  /** `network/prefix`, e.g. `10.1.0.0/16`, `fd00:10::/64`. */
  readonly text: string;
  /** IPv4 or IPv6. */
  readonly family: IPFamily;
  /** The number of network bits. */
  readonly prefixLength: number;
  /** True when the input had host bits set (`10.1.1.5/24`) and `text` is its network. */
  readonly hadHostBits: boolean;
}

// Only plain dotted decimal without leading zeros: ipaddr.js also reads `010.0.0.1` (octal),
// `10` and hex forms, which Kubernetes rejects and which would silently mean another address.
const IPV4_DOTTED = /^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/;
const PREFIX_LENGTH = /^(0|[1-9]\d{0,2})$/;

/**
 * Parses one IP address as Kubernetes validation would accept it for pod, node and service
 * addresses: IPv4 dotted decimal (no leading zeros) or IPv6 without a zone. IPv4-mapped IPv6
 * (`::ffff:10.0.0.1`) is rejected: Kubernetes refuses it for these fields, and it would put an
 * IPv4 endpoint under an IPv6 family.
 */
export function parseIP(text: string): ParseOutcome<ParsedIP> {
  if (IPV4_DOTTED.test(text)) {
    // The pattern allows only canonical dotted decimal (no leading zeros), so the text is
    // already the address's printed form once every octet is at most 255.
    if (!octetsInRange(text)) return { ok: false, reason: `${quote(text)} is not a valid IPv4 address` };
    return { ok: true, value: { text, family: 'IPv4' } };
  }
  if (text.includes(':')) {
    if (text.includes('%')) return { ok: false, reason: `${quote(text)} has an IPv6 zone, which is not allowed here` };
    if (!ipaddr.IPv6.isValid(text)) return { ok: false, reason: `${quote(text)} is not a valid IPv6 address` };
    const address = ipaddr.IPv6.parse(text);
    if (address.isIPv4MappedAddress()) {
      return { ok: false, reason: `${quote(text)} is an IPv4-mapped IPv6 address, which is not allowed here` };
    }
    return { ok: true, value: { text: address.toString(), family: 'IPv6' } };
  }
  return { ok: false, reason: `${quote(text)} is not a valid IP address` };
}

/** True when each of the four decimal octets of `text` (already matched by IPV4_DOTTED) is <= 255. */
function octetsInRange(text: string): boolean {
  let octet = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 46) {
      octet = 0;
      continue;
    }
    octet = octet * 10 + (code - 48);
    if (octet > 255) return false;
  }
  return true;
}

/**
 * Parses `address/prefix`. The address follows {@link parseIP}'s rules; the prefix is a
 * decimal 0..32 (IPv4) or 0..128 (IPv6) without leading zeros. Host bits are accepted here and
 * reported in `hadHostBits`; callers decide whether that is an error or a normalisation.
 */
export function parseCIDR(text: string): ParseOutcome<ParsedCIDR> {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, reason: `${quote(text)} is not a CIDR (no "/prefix")` };
  const address = parseIP(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!address.ok) return { ok: false, reason: `${quote(text)} is not a valid CIDR: ${address.reason}` };
  const maxPrefix = address.value.family === 'IPv4' ? 32 : 128;
  const prefixLength = PREFIX_LENGTH.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefixLength >= 0 && prefixLength <= maxPrefix)) {
    return { ok: false, reason: `${quote(text)} has an invalid prefix length (must be 0..${maxPrefix})` };
  }
  const network = networkAddress(address.value, prefixLength);
  return {
    ok: true,
    value: {
      text: `${network}/${prefixLength}`,
      family: address.value.family,
      prefixLength,
      hadHostBits: network !== address.value.text,
    },
  };
}

/**
 * True when `inner` lies inside `outer` and is strictly smaller, the rule Kubernetes applies
 * to NetworkPolicy `ipBlock.except`. Both must be canonical (from {@link parseCIDR}).
 */
export function isStrictSubnet(inner: ParsedCIDR, outer: ParsedCIDR): boolean {
  if (inner.family !== outer.family || inner.prefixLength <= outer.prefixLength) return false;
  const [innerAddress] = ipaddr.parseCIDR(inner.text);
  return innerAddress.match(ipaddr.parseCIDR(outer.text));
}

function networkAddress(address: ParsedIP, prefixLength: number): string {
  const cidr = `${address.text}/${prefixLength}`;
  return address.family === 'IPv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()
    : ipaddr.IPv6.networkAddressFromCIDR(cidr).toString();
}
