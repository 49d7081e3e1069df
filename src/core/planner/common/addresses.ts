import ipaddr from 'ipaddr.js';

/**
 * Sort key of an address: a family digit (so every IPv4 address sorts before every IPv6 one),
 * then the address as fixed-width hex, so plain string comparison is numeric order. Dotted IPv4,
 * the bulk of a cluster's addresses, is read without a full parse; an unparsable string gets
 * the empty key and sorts first.
 */
export function addressKey(address: string): string {
  if (!address.includes(':')) {
    const octets = address.split('.');
    if (octets.length !== 4) return '';
    let value = 0;
    for (const octet of octets) {
      const number = Number(octet);
      if (octet === '' || !Number.isInteger(number) || number < 0 || number > 255) return '';
      value = value * 256 + number;
    }
    return `4${value.toString(16).padStart(8, '0')}`;
  }
  if (!ipaddr.IPv6.isValid(address)) return '';
  return `6${ipaddr.IPv6.parse(address).toByteArray().map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Orders addresses numerically, IPv4 before IPv6 (so `10.0.0.2` comes before `10.0.0.10`).
 * Unparsable strings sort first, by text, so the order stays total and deterministic.
 */
export function compareAddresses(a: string, b: string): number {
  return compareText(addressKey(a), addressKey(b)) || compareText(a, b);
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

/**
 * The distinct addresses of `addresses`, in {@link compareAddresses} order. Each key is computed
 * once rather than per comparison: peer sets can hold every pod of the cluster.
 */
export function sortedUniqueAddresses(addresses: Iterable<string>): string[] {
  return [...new Set(addresses)]
    .map((address) => ({ address, key: addressKey(address) }))
    .sort((a, b) => compareText(a.key, b.key) || compareText(a.address, b.address))
    .map(({ address }) => address);
}

/** The distinct CIDRs of `cidrs`, in {@link compareCidrs} order. */
export function sortedUniqueCidrs(cidrs: Iterable<string>): string[] {
  return [...new Set(cidrs)].sort(compareCidrs);
}
