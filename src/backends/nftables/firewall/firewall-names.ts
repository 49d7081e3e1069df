import type { IPFamily } from '../../../core/model/index.js';
import type { PeerSet } from '../../../core/plan/firewall-plan.js';
import { hashedName } from '../../iptables/kernel-names.js';

/**
 * The names inside the firewall's own table. User text (pod keys, policy keys, peer set ids)
 * reaches a name only through a hash; fixed names are chosen so they are no nft keyword.
 *
 * @module
 */

/** The one table the nftables firewall owns; it never touches another. */
export const FIREWALL_TABLE = 'kube-router-firewall';
/** `inet kube-router-firewall`, as nft commands name it. */
export const TABLE_REF = `inet ${FIREWALL_TABLE}`;
/** NFLOG group of logged drops, as kube-router's. */
export const NFLOG_GROUP = 100;

/** nft names may be long; 64 characters keep listings readable. */
const MAX_NAME = 64;

/** Which way a chain looks at a pod's traffic. */
export type Direction = 'ingress' | 'egress';
/** Both directions, ingress first. */
export const DIRECTIONS: readonly Direction[] = ['ingress', 'egress'];

const letter = (direction: Direction): string => (direction === 'ingress' ? 'i' : 'e');
const suffix = (family: IPFamily): string => (family === 'IPv4' ? 'v4' : 'v6');

/** The chain of local pod `podKey` for `direction`, e.g. `pod-i-ABCDEFGHIJKLMNOP`. */
export function podChainName(podKey: string, direction: Direction): string {
  return hashedName(`pod-${letter(direction)}-`, `pod ${podKey}`, MAX_NAME);
}

/** The chain of policy `policyKey`'s rules for `direction`, e.g. `pol-e-ABCDEFGHIJKLMNOP`. */
export function policyChainName(policyKey: string, direction: Direction): string {
  return hashedName(`pol-${letter(direction)}-`, `policy ${policyKey}`, MAX_NAME);
}

/** The set of a peer set; kind and family are hashed too, as they decide the set's type. */
export function peerSetName(set: Pick<PeerSet, 'id' | 'kind' | 'family'>): string {
  return hashedName('peer-', `set ${set.kind} ${set.family} ${set.id}`, MAX_NAME, 20);
}

/** The set of this node's own addresses of `family`. */
export function nodeSetName(family: IPFamily): string {
  return `node-${suffix(family)}`;
}

/** The verdict map from a local pod's address to its chain for `direction`. */
export function podMapName(direction: Direction, family: IPFamily): string {
  return `${direction}-pods-${suffix(family)}`;
}

/** `ip` or `ip6`: the payload expression of `family`. */
export function ipKeyword(family: IPFamily): 'ip' | 'ip6' {
  return family === 'IPv4' ? 'ip' : 'ip6';
}

/** `ipv4_addr` or `ipv6_addr`: the set type of `family`. */
export function addressType(family: IPFamily): 'ipv4_addr' | 'ipv6_addr' {
  return family === 'IPv4' ? 'ipv4_addr' : 'ipv6_addr';
}
