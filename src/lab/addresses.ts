import ipaddr from 'ipaddr.js';

/** True when `address` parses as an IPv4 or IPv6 address. */
export function isAddress(address: string): boolean {
  return ipaddr.isValid(address);
}

/** The prefix length of a CIDR (`10.244.1.0/24` gives 24). */
export function prefixLengthOf(cidr: string): number {
  return ipaddr.parseCIDR(cidr)[1];
}

/** The network of `address` with a prefix of `prefixLength`, as a CIDR (`10.0.1.7`, 24 gives `10.0.1.0/24`). */
export function subnetOf(address: string, prefixLength: number): string {
  const parsed = ipaddr.parse(address);
  const network = parsed.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefixLength}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${address}/${prefixLength}`);
  return `${network.toString()}/${prefixLength}`;
}

/** True when `address` lies in `cidr` (and both are of the same family). */
export function cidrContains(cidr: string, address: string): boolean {
  const parsed = ipaddr.parse(address);
  const range = ipaddr.parseCIDR(cidr);
  return parsed.kind() === range[0].kind() && parsed.match(range);
}

/**
 * The address at `offset` in `cidr`: from the network address when `offset` is >= 0, from the
 * last address of the range when negative (-1 is the last one). `10.0.1.0/24`, 1 gives
 * `10.0.1.1`; `10.0.1.0/24`, -2 gives `10.0.1.254`.
 */
export function addressAt(cidr: string, offset: number): string {
  const [base, prefixLength] = ipaddr.parseCIDR(cidr);
  const bytes = base.toByteArray();
  const bits = bytes.length * 8;
  const hostBits = BigInt(bits - prefixLength);
  const network = (toBigInt(bytes) >> hostBits) << hostBits;
  const size = 1n << hostBits;
  const index = offset >= 0 ? BigInt(offset) : size + BigInt(offset);
  if (index < 0n || index >= size) throw new RangeError(`offset ${offset} is outside ${cidr}`);
  return ipaddr.fromByteArray(fromBigInt(network + index, bytes.length)).toString();
}

/** The canonical text of an address (`::ffff:10.0.0.1` stays IPv6; `fd00:0::1` gives `fd00::1`). */
export function canonicalAddress(address: string): string {
  return ipaddr.parse(address).toString();
}

function toBigInt(bytes: readonly number[]): bigint {
  return bytes.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

function fromBigInt(value: bigint, length: number): number[] {
  const bytes: number[] = new Array<number>(length).fill(0);
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    bytes[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return bytes;
}
