import type { IPFamily } from './common.js';

/**
 * The family of an address or CIDR of the model. Conversion admits only valid, canonical
 * addresses (dotted IPv4, compressed IPv6, no IPv4-mapped forms), and IPv6 text always holds a
 * colon while IPv4 text never does, so one character test is exact here. That matters: planners
 * ask this for every endpoint and pod IP on every reconcile. Do not use it on unvalidated input.
 */
export function ipFamilyOf(addressOrCidr: string): IPFamily {
  return addressOrCidr.includes(':') ? 'IPv6' : 'IPv4';
}
