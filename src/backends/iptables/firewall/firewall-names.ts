import type { IPFamily } from '../../../core/model/index.js';
import type { PeerSet } from '../../../core/plan/firewall-plan.js';
import { hashedName, MAX_CHAIN_NAME, MAX_SET_NAME } from '../kernel-names.js';

/**
 * The kernel names the firewall backend owns. Every chain starts with `KR-FW-` and every set
 * with `KR-FW-` (live) or `KR-FT-` (a set being filled before it is swapped in), so cleanup
 * and a resync recognise what is theirs and never touch another owner's chain or set. User
 * text (pod keys, policy keys, set ids) only ever reaches a name through a hash.
 *
 * @module
 */

/** Prefix of every chain the firewall owns. */
export const CHAIN_PREFIX = 'KR-FW-';
/** Prefix of every live set the firewall owns. */
export const SET_PREFIX = 'KR-FW-';
/** Prefix of the temporary sets filled before an `ipset swap`. */
export const TEMP_SET_PREFIX = 'KR-FT-';

/** The chains jumped to from the filter table's built-in chains, and the built-in they hang from. */
export const TOP_CHAINS = [
  { builtin: 'INPUT', chain: 'KR-FW-INPUT' },
  { builtin: 'FORWARD', chain: 'KR-FW-FORWARD' },
  { builtin: 'OUTPUT', chain: 'KR-FW-OUTPUT' },
] as const;

/** Dispatch by source address: each local pod's egress chain. */
export const EGRESS_DISPATCH = 'KR-FW-EGRESS';
/** Dispatch by destination address: each local pod's ingress chain. */
export const INGRESS_DISPATCH = 'KR-FW-INGRESS';

/**
 * The packet mark bit a policy rule sets when it allows a packet, as kube-router's
 * 0x10000; the pod chain tests and clears it.
 */
export const ALLOW_MARK = '0x10000/0x10000';
/** Clears {@link ALLOW_MARK}'s bit and no other. */
export const CLEAR_ALLOW_MARK = '0x0/0x10000';
/** NFLOG group of logged drops, as kube-router's. */
export const NFLOG_GROUP = 100;

/** Which way a chain looks at a pod's traffic. */
export type ChainDirection = 'ingress' | 'egress';

const letter = (direction: ChainDirection): string => (direction === 'ingress' ? 'I' : 'E');

// A full sync of a big node names every chain and set several times: each name is hashed once.
// Bounded: emptied when it grows past what a node's pods, policies and sets need.
const NAME_CACHE_LIMIT = 200_000;
const names = new Map<string, string>();
function remembered(key: string, compute: () => string): string {
  let name = names.get(key);
  if (name === undefined) {
    if (names.size >= NAME_CACHE_LIMIT) names.clear();
    name = compute();
    names.set(key, name);
  }
  return name;
}

/** The chain of local pod `podKey` for one direction, e.g. `KR-FW-POD-E-ABCDEFGHIJKLMN`. */
export function podChain(podKey: string, direction: ChainDirection): string {
  return remembered(`pod ${direction} ${podKey}`, () => hashedName(`${CHAIN_PREFIX}POD-${letter(direction)}-`, `pod ${podKey}`, MAX_CHAIN_NAME));
}

/** The chain holding policy `policyKey`'s rules of one direction, e.g. `KR-FW-POL-I-...`. */
export function policyChain(policyKey: string, direction: ChainDirection): string {
  return remembered(`policy ${direction} ${policyKey}`, () => hashedName(`${CHAIN_PREFIX}POL-${letter(direction)}-`, `policy ${policyKey}`, MAX_CHAIN_NAME));
}

// Kind and family are part of the hashed text: a set whose kind changed needs another ipset
// type, hence another name.
function setIdentity(set: Pick<PeerSet, 'id' | 'kind' | 'family'>): string {
  return `set ${set.kind} ${set.family} ${set.id}`;
}

/** The live ipset of a peer set, e.g. `KR-FW-ABCDEFGHIJKLMNOPQRST` (26 characters). */
export function peerSetName(set: Pick<PeerSet, 'id' | 'kind' | 'family'>): string {
  const identity = setIdentity(set);
  return remembered(`set ${identity}`, () => hashedName(SET_PREFIX, identity, MAX_SET_NAME, 20));
}

/** The set a new version of `live` is filled in before `ipset swap`. */
export function temporarySetName(live: string): string {
  if (!live.startsWith(SET_PREFIX)) throw new Error(`not a set of the firewall: ${live}`);
  return TEMP_SET_PREFIX + live.slice(SET_PREFIX.length);
}

/** The set of this node's own addresses of one family. */
export function nodeSetName(family: IPFamily): string {
  return family === 'IPv4' ? `${SET_PREFIX}NODE-IPV4` : `${SET_PREFIX}NODE-IPV6`;
}

/** True for a chain name the firewall owns. */
export function isOwnedChain(name: string): boolean {
  return name.startsWith(CHAIN_PREFIX);
}

/** True for a set name the firewall owns (live or temporary). */
export function isOwnedSet(name: string): boolean {
  return name.startsWith(SET_PREFIX) || name.startsWith(TEMP_SET_PREFIX);
}
