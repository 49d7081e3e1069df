import ipaddr from 'ipaddr.js';
import { ipFamilyOf } from '../../model/ip-family.js';
import type { IPFamily, Node } from '../../model/index.js';
import type { FamilyAddress } from '../../plan/index.js';
import { sortedUniqueAddresses } from '../common/addresses.js';

/**
 * This node's InternalIP and ExternalIP addresses with their families, distinct, in address
 * order (IPv4 first); empty when the node object is missing (not listed yet, or deleted).
 */
export function nodeAddressesOf(node: Node | undefined): FamilyAddress[] {
  if (node === undefined) return [];
  return sortedUniqueAddresses([...node.internalIPs, ...node.externalIPs]).map((ip) => ({ ip, family: ipFamilyOf(ip) }));
}

/**
 * The addresses NodePorts listen on: those of `addresses` inside `filter`, decided per family as
 * kube-proxy's `NewNodePortAddresses` does: a family the filter names no CIDR of is not
 * filtered at all (kube-proxy adds `0.0.0.0/0` or `::/0` for it), so `--nodeport-addresses
 * 10.0.0.0/8` on a dual-stack node keeps every IPv6 address. An entry that does not parse as a
 * CIDR matches nothing but still counts as a CIDR of its family (kube-proxy validates the flag
 * before it gets here).
 */
export function nodePortAddressesOf(addresses: readonly FamilyAddress[], filter: readonly string[]): FamilyAddress[] {
  return addresses.filter((address) => {
    const ofFamily = cidrsOfFamily(filter, address.family);
    return ofFamily.length === 0 || ofFamily.some((cidr) => cidrContains(cidr, address.ip));
  });
}

/**
 * Whether NodePorts also answer on 127.0.0.1: asked for, and the filter lets IPv4 loopback
 * through, which is when kube-proxy keeps `localhostNodePorts` on (`ContainsIPv4Loopback`):
 * the filter has no IPv4 CIDR, or one whose network is a loopback address or that holds
 * 127.0.0.0.
 */
export function localhostNodePortsAllowed(requested: boolean, filter: readonly string[]): boolean {
  if (!requested) return false;
  const ipv4 = cidrsOfFamily(filter, 'IPv4');
  return ipv4.length === 0 || ipv4.some((cidr) => cidrContains(LOOPBACK, cidr.split('/')[0] ?? '') || cidrContains(cidr, '127.0.0.0'));
}

const LOOPBACK = '127.0.0.0/8';

function cidrsOfFamily(cidrs: readonly string[], family: IPFamily): string[] {
  return cidrs.filter((cidr) => ipFamilyOf(cidr) === family);
}

function cidrContains(cidr: string, ip: string): boolean {
  if (!ipaddr.isValidCIDR(cidr) || !ipaddr.isValid(ip)) return false;
  const range = ipaddr.parseCIDR(cidr);
  const address = ipaddr.parse(ip);
  return address.kind() === range[0].kind() && address.match(range);
}
