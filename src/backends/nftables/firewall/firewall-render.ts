import type { IPFamily } from '../../../core/model/index.js';
import { PROTOCOLS } from '../../../core/model/index.js';
import type { FirewallRulePlan, PeerSet, PodFirewall, PolicyPlan, PortMatch } from '../../../core/plan/firewall-plan.js';
import type { FamilyAddress } from '../../../core/plan/proxy-plan.js';
import type { FragmentMap } from '../../../core/plan/fragment-map.js';
import { cidrInterval, intervalElement, normalAddress, subtractIntervals } from '../common/nft-addresses.js';
import { nftComment } from '../common/nft-text.js';
import {
  addressType,
  DIRECTIONS,
  ipKeyword,
  NFLOG_GROUP,
  nodeSetName,
  peerSetName,
  podChainName,
  podMapName,
  policyChainName,
  type Direction,
} from './firewall-names.js';

/**
 * The pieces of the firewall table, each rendered from one plan fragment alone (a policy
 * chain also reads which peer sets exist), so a sync re-renders only what changed and compares
 * text. Bad input (an address that is not one, an unknown set, a port out of range, an
 * endPort below its port) is skipped fail-closed: the rule or element is left out and a
 * problem line says why.
 *
 * @module
 */

/** Where skipped input is told. */
export type Problems = string[];

/** A regular chain: its name and its rules, one nft rule per line. */
export interface ChainText {
  readonly name: string;
  readonly rules: readonly string[];
}

/** A set of addresses as programmed. */
export interface SetText {
  readonly name: string;
  readonly family: IPFamily;
  readonly interval: boolean;
  /** Elements in nft syntax (addresses, prefixes, ranges). */
  readonly elements: readonly string[];
}

/** One verdict map element: a local pod's address and the chain it jumps to. */
export interface MapElement {
  readonly map: string;
  readonly address: string;
  readonly chain: string;
}

/** The set of peer set `set`: addresses for pods, the ipBlock minus its excepts as intervals. */
export function renderPeerSet(set: PeerSet, problems: Problems): SetText {
  const name = peerSetName(set);
  if (set.kind === 'pods') {
    const elements = new Set<string>();
    for (const ip of set.addresses) {
      const address = normalAddress(ip, set.family);
      if (address === undefined) problems.push(`peer set ${name}: skipped a member that is not an ${set.family} address`);
      else elements.add(address);
    }
    return { name, family: set.family, interval: false, elements: [...elements] };
  }
  const whole = cidrInterval(set.cidr, set.family);
  if (whole === undefined) {
    problems.push(`peer set ${name}: ipBlock cidr is not an ${set.family} CIDR; it matches nothing`);
    return { name, family: set.family, interval: true, elements: [] };
  }
  const holes = [];
  for (const except of set.except) {
    const hole = cidrInterval(except, set.family);
    if (hole === undefined || hole.start < whole.start || hole.end > whole.end) {
      // Failing closed: an except we cannot place could be meant to exclude anything.
      problems.push(`peer set ${name}: an except is not an ${set.family} CIDR inside the ipBlock; the ipBlock matches nothing`);
      return { name, family: set.family, interval: true, elements: [] };
    }
    holes.push(hole);
  }
  const elements = subtractIntervals(whole, holes).map((interval) => intervalElement(interval, set.family));
  return { name, family: set.family, interval: true, elements };
}

/** This node's addresses of `family` as the set that lets them reach local pods. */
export function renderNodeSet(addresses: readonly FamilyAddress[], family: IPFamily, problems: Problems): SetText {
  const elements = new Set<string>();
  for (const entry of addresses) {
    if (entry.family !== family) continue;
    const address = normalAddress(entry.ip, family);
    if (address === undefined) problems.push(`node address skipped: not an ${family} address`);
    else elements.add(address);
  }
  return { name: nodeSetName(family), family, interval: false, elements: [...elements] };
}

interface Match {
  /** Undefined: either family. */
  readonly family: IPFamily | undefined;
  readonly text: string;
}

function setMatch(id: string, field: 'saddr' | 'daddr', sets: FragmentMap<PeerSet>, problems: Problems, owner: string): Match | undefined {
  const set = sets.get(id);
  if (set === undefined) {
    problems.push(`${owner}: a rule refers to a peer set that is not in the plan; that match is skipped`);
    return undefined;
  }
  return { family: set.family, text: `${ipKeyword(set.family)} ${field} @${peerSetName(set)}` };
}

const validPort = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65_535;

function portMatches(port: PortMatch, sets: FragmentMap<PeerSet>, problems: Problems, owner: string): Match[] {
  if (!PROTOCOLS.includes(port.protocol)) {
    problems.push(`${owner}: unknown protocol skipped`);
    return [];
  }
  const protocol = port.protocol.toLowerCase();
  let transport: string;
  if (port.port === undefined) {
    if (port.endPort !== undefined) {
      problems.push(`${owner}: endPort without port skipped`);
      return [];
    }
    transport = `meta l4proto ${protocol}`;
  } else if (!validPort(port.port) || (port.endPort !== undefined && (!validPort(port.endPort) || port.endPort < port.port))) {
    problems.push(`${owner}: port ${port.port}${port.endPort === undefined ? '' : `-${port.endPort}`} skipped: out of range or endPort below port`);
    return [];
  } else {
    transport = `${protocol} dport ${port.endPort === undefined || port.endPort === port.port ? port.port : `${port.port}-${port.endPort}`}`;
  }
  if (port.podSets === undefined) return [{ family: undefined, text: transport }];
  // A named port: only towards the pods that declare it under this number.
  return port.podSets.flatMap((id) => {
    const pods = setMatch(id, 'daddr', sets, problems, owner);
    return pods === undefined ? [] : [{ family: pods.family, text: `${pods.text} ${transport}` }];
  });
}

function ruleLines(rule: FirewallRulePlan, direction: Direction, sets: FragmentMap<PeerSet>, problems: Problems, owner: string, comment: string): string[] {
  const field = direction === 'ingress' ? 'saddr' : 'daddr';
  const peers: Match[] = rule.peers.any
    ? [{ family: undefined, text: '' }]
    : rule.peers.sets.flatMap((id) => setMatch(id, field, sets, problems, owner) ?? []);
  const ports: Match[] = rule.ports.length === 0 ? [{ family: undefined, text: '' }] : rule.ports.flatMap((port) => portMatches(port, sets, problems, owner));
  const lines: string[] = [];
  for (const peer of peers) {
    for (const port of ports) {
      if (peer.family !== undefined && port.family !== undefined && peer.family !== port.family) continue;
      lines.push([peer.text, port.text, 'accept', comment].filter((part) => part !== '').join(' '));
    }
  }
  return lines;
}

/**
 * The two chains of `policy` (ingress, egress): one accept rule per peer and port of each of
 * its rules (peers and ports ORed, as in the policy). A direction the policy does not isolate
 * gets an empty chain, so a pod chain may always jump to both.
 */
export function renderPolicyChains(policy: PolicyPlan, sets: FragmentMap<PeerSet>, problems: Problems): ChainText[] {
  const comment = `comment ${nftComment(policy.key)}`;
  return DIRECTIONS.map((direction) => {
    const name = policyChainName(policy.key, direction);
    const rules = new Set<string>();
    for (const rule of policy[direction]) {
      for (const line of ruleLines(rule, direction, sets, problems, `policy chain ${name}`, comment)) rules.add(line);
    }
    return { name, rules: [...rules] };
  });
}

const rejectRules = (pod: string): string[] => [
  `limit rate 10/minute burst 10 packets log group ${NFLOG_GROUP}`,
  `reject comment ${nftComment(pod)}`,
];

function podAddresses(pod: PodFirewall, problems: Problems): FamilyAddress[] {
  const out: FamilyAddress[] = [];
  for (const entry of pod.ips) {
    const ip = normalAddress(entry.ip, entry.family);
    if (ip === undefined) problems.push(`pod chain ${podChainName(pod.pod, 'ingress')}: skipped an IP that is not an ${entry.family} address`);
    else out.push({ ip, family: entry.family });
  }
  return out;
}

/**
 * The chains of local pod `pod`, for each direction it is isolated in: its own traffic to
 * itself first (always allowed), a jump to each isolating policy's chain (a match there
 * accepts), then a rate-limited NFLOG and a reject.
 */
export function renderPodChains(pod: PodFirewall, problems: Problems): ChainText[] {
  const addresses = podAddresses(pod, problems);
  const chains: ChainText[] = [];
  for (const direction of DIRECTIONS) {
    const policies = direction === 'ingress' ? pod.ingressPolicies : pod.egressPolicies;
    if (policies.length === 0) continue;
    const self = addresses.map((a) => `${ipKeyword(a.family)} ${direction === 'ingress' ? 'saddr' : 'daddr'} ${a.ip} accept`);
    const jumps = policies.map((key) => `jump ${policyChainName(key, direction)}`);
    chains.push({ name: podChainName(pod.pod, direction), rules: [...self, ...jumps, ...rejectRules(pod.pod)] });
  }
  return chains;
}

/** The verdict map elements sending `pod`'s addresses to its chains. */
export function podMapElements(pod: PodFirewall): MapElement[] {
  const elements: MapElement[] = [];
  for (const direction of DIRECTIONS) {
    const policies = direction === 'ingress' ? pod.ingressPolicies : pod.egressPolicies;
    if (policies.length === 0) continue;
    for (const entry of pod.ips) {
      const address = normalAddress(entry.ip, entry.family);
      if (address !== undefined) elements.push({ map: podMapName(direction, entry.family), address, chain: podChainName(pod.pod, direction) });
    }
  }
  return elements;
}

/** A base chain: its hook declaration and rules. */
export interface BaseChainText extends ChainText {
  readonly hook: string;
}

const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];

/**
 * The base chains, the same for every plan. Egress runs at `filter - 1` and ingress at
 * `filter` on the forward hook: an accept ends only its own base chain, so a packet between
 * two local pods passes its source's egress check and then its destination's ingress check.
 * Pods' traffic to the node meets the egress check on input; the node's own traffic to its
 * pods (kubelet probes, from any local address) is accepted on output.
 */
export function baseChains(): BaseChainText[] {
  const dispatch = (direction: Direction) =>
    FAMILIES.map((family) => `${ipKeyword(family)} ${direction === 'ingress' ? 'daddr' : 'saddr'} vmap @${podMapName(direction, family)}`);
  const conntrack = ['ct state established,related accept', 'ct state invalid drop'];
  return [
    { name: 'egress-forward', hook: 'type filter hook forward priority filter - 1; policy accept;', rules: [...conntrack, ...dispatch('egress')] },
    {
      name: 'ingress-forward',
      hook: 'type filter hook forward priority filter; policy accept;',
      rules: [...conntrack, ...FAMILIES.map((family) => `${ipKeyword(family)} saddr @${nodeSetName(family)} accept`), ...dispatch('ingress')],
    },
    { name: 'egress-input', hook: 'type filter hook input priority filter - 1; policy accept;', rules: [...conntrack, ...dispatch('egress')] },
    {
      name: 'ingress-output',
      hook: 'type filter hook output priority filter; policy accept;',
      rules: ['ct state established,related accept', 'fib saddr type local accept', ...dispatch('ingress')],
    },
  ];
}

/** The names of the four verdict maps. */
export function podMaps(): { name: string; family: IPFamily }[] {
  return DIRECTIONS.flatMap((direction) => FAMILIES.map((family) => ({ name: podMapName(direction, family), family })));
}

/** The set declaration (without elements) as in `add set`. */
export function setDeclaration(set: Pick<SetText, 'family' | 'interval'>): string {
  return `type ${addressType(set.family)};${set.interval ? ' flags interval;' : ''}`;
}
