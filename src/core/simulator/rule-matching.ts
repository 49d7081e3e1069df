import type { IPFamily, Protocol } from '../model/index.js';
import type { FirewallPlan, FirewallRulePlan, PeerMatch, PeerSet, PortMatch } from '../plan/index.js';
import { cidrContains } from './ip-matching.js';

/** One packet between two pods, as a rule of one direction sees it. */
export interface RulePacket {
  readonly family: IPFamily;
  /** The other end: the destination for egress rules, the source for ingress rules. */
  readonly peerIP: string;
  /** The destination address, which named-port matches test. */
  readonly destinationIP: string;
  readonly port: number;
  readonly protocol: Protocol;
}

// A pod set can hold every pod of the cluster and a matrix asks it once per pair: look members
// up in a Set built once per (frozen, never changing) set object.
const memberSets = new WeakMap<PeerSet, ReadonlySet<string>>();

function members(set: PeerSet & { kind: 'pods' }): ReadonlySet<string> {
  let found = memberSets.get(set);
  if (found === undefined) {
    found = new Set(set.addresses);
    memberSets.set(set, found);
  }
  return found;
}

/**
 * True when `ip` is in the peer set `id` of `plan`. Only sets of the packet's family count:
 * a backend programming family F takes the sets of family F. An id the plan does not hold
 * matches nothing (the safe reading of a broken plan).
 */
export function setContains(plan: FirewallPlan, id: string, ip: string, family: IPFamily): boolean {
  const set = plan.peerSets.get(id);
  if (set === undefined || set.family !== family) return false;
  if (set.kind === 'pods') return members(set).has(ip);
  return cidrContains(set.cidr, ip) && !set.except.some((except) => cidrContains(except, ip));
}

/** Peers are ORed: any set holding the peer address matches; a rule without peers matches any peer. */
export function peersMatch(plan: FirewallPlan, peers: PeerMatch, packet: RulePacket): boolean {
  if (peers.any) return true;
  return peers.sets.some((id) => setContains(plan, id, packet.peerIP, packet.family));
}

/**
 * One port match: same protocol, the port within `port`..`endPort` (inclusive; no port means
 * every port), and for a resolved named port a destination inside one of its `podSets`.
 */
export function portMatches(plan: FirewallPlan, match: PortMatch, packet: RulePacket): boolean {
  if (match.protocol !== packet.protocol) return false;
  if (match.port !== undefined) {
    const last = match.endPort ?? match.port;
    if (packet.port < match.port || packet.port > last) return false;
  }
  if (match.podSets !== undefined) {
    return match.podSets.some((id) => setContains(plan, id, packet.destinationIP, packet.family));
  }
  return true;
}

/** A rule allows the packet when any peer AND any port match; no ports means every port and protocol. */
export function ruleMatches(plan: FirewallPlan, rule: FirewallRulePlan, packet: RulePacket): boolean {
  if (!peersMatch(plan, rule.peers, packet)) return false;
  return rule.ports.length === 0 || rule.ports.some((match) => portMatches(plan, match, packet));
}
