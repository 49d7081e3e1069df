import { hash } from 'node:crypto';
import type { IPFamily } from '../../../core/model/index.js';

/** The one table the nftables proxy owns: `table inet kube-router-proxy` (IPv4 and IPv6). */
export const PROXY_TABLE = 'kube-router-proxy';

/** The table family and name as nft commands spell them. */
export const PROXY_TABLE_REF = `inet ${PROXY_TABLE}`;

/** The packet mark bit that asks for masquerade in postrouting (kube-proxy's 0x4000). */
export const MASQUERADE_MARK = '0x4000';

/** `4` or `6`: the suffix of per-family sets, maps and chains. */
export type FamilyTag = '4' | '6';

/** The suffix of `family`'s objects. */
export function familyTag(family: IPFamily): FamilyTag {
  return family === 'IPv6' ? '6' : '4';
}

/** The nft payload keyword of a family (`ip` or `ip6`). */
export function addressKeyword(tag: FamilyTag): 'ip' | 'ip6' {
  return tag === '6' ? 'ip6' : 'ip';
}

/** The nft data type of an address of the family. */
export function addressType(tag: FamilyTag): 'ipv4_addr' | 'ipv6_addr' {
  return tag === '6' ? 'ipv6_addr' : 'ipv4_addr';
}

/**
 * A stable id for a user-named key (service port key, endpoint): a hash, so that no text a user
 * chose (namespace, name, port name) ever reaches an nft payload.
 */
export function servicePortId(key: string): string {
  // The one-shot hash: a full render hashes every service port's key.
  return hash('sha256', key, 'hex').slice(0, 12);
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:.]{2,45}$/;

/** True when `text` is an address (or CIDR with `cidr`) of the family, safe to place in a payload. */
export function isAddressText(text: string, tag: FamilyTag, cidr = false): boolean {
  // Every endpoint of a full render comes here: plain addresses are tested without splitting.
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  if (slash !== -1) {
    const prefix = text.slice(slash + 1);
    if (!cidr || !/^\d{1,3}$/.test(prefix) || Number(prefix) > (tag === '6' ? 128 : 32)) return false;
  }
  return tag === '6' ? IPV6.test(address) && address.includes(':') : IPV4.test(address);
}

/** True when `port` is a transport port number. */
export function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}
