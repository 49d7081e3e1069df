import { PROTOCOLS, type NetworkPolicyPort, type Pod, type Protocol } from '../../model/index.js';
import { ipFamilyOf } from '../../model/ip-family.js';
import type { PodAddressSet, PortMatch } from '../../plan/index.js';
import { compareText, sortedUniqueAddresses } from '../common/addresses.js';
import { namedPortSetId } from './set-definitions.js';
import { resolveNamedPort } from './pod-port-names.js';

/** Where a rule sits, for naming the named-port sets it owns. */
export interface RulePosition {
  readonly policyKey: string;
  readonly direction: 'ingress' | 'egress';
  readonly index: number;
}

/** The outcome of resolving a rule's ports. */
export type PortResolution =
  | { readonly kind: 'all-ports' }
  | { readonly kind: 'some-ports'; readonly matches: readonly PortMatch[]; readonly sets: readonly PodAddressSet[] }
  | { readonly kind: 'no-port' };

/**
 * Resolves a rule's ports and says which of three cases it is: no ports listed (every port),
 * some matches, or ports listed of which none resolved (the rule allows nothing).
 *
 * - A numeric port (with its `endPort`, inclusive) and a port-less entry (every port of the
 *   protocol) are taken as given.
 * - A named port is resolved per destination pod: among `destinationPods`, those with a
 *   container port of that name and protocol. One match per (protocol, number) it resolves
 *   to, whose `podSets` are the rule's own sets (one per family) of the pods resolving to that
 *   number; several names resolving to one number on different pods merge into one match. A
 *   name no destination declares yields no match.
 *
 * @returns matches sorted by protocol (TCP, UDP, SCTP), port (port-less first), endPort,
 * unrestricted matches before named ones; duplicates removed.
 */
export function resolveRulePorts(
  ports: readonly NetworkPolicyPort[],
  destinationPods: readonly Pod[],
  position: RulePosition,
): PortResolution {
  if (ports.length === 0) return { kind: 'all-ports' };
  const matches = new Map<string, PortMatch>();
  const named = new Map<string, { protocol: Protocol; port: number; ips: string[] }>();
  for (const entry of ports) {
    if (typeof entry.port === 'string') {
      for (const pod of destinationPods) {
        const number = resolveNamedPort(pod, entry.port, entry.protocol);
        if (number === undefined) continue;
        const key = `${entry.protocol} ${number}`;
        const resolved = named.get(key) ?? { protocol: entry.protocol, port: number, ips: [] };
        resolved.ips.push(...pod.podIPs);
        named.set(key, resolved);
      }
      continue;
    }
    const match: PortMatch = {
      protocol: entry.protocol,
      ...(entry.port === undefined ? {} : { port: entry.port }),
      ...(entry.port === undefined || entry.endPort === undefined ? {} : { endPort: entry.endPort }),
    };
    matches.set(`${match.protocol} ${match.port ?? ''} ${match.endPort ?? ''}`, match);
  }
  const sets: PodAddressSet[] = [];
  const namedMatches: PortMatch[] = [];
  for (const { protocol, port, ips } of named.values()) {
    const podSets: string[] = [];
    for (const family of ['IPv4', 'IPv6'] as const) {
      const addresses = sortedUniqueAddresses(ips.filter((ip) => ipFamilyOf(ip) === family));
      if (addresses.length === 0) continue;
      const id = namedPortSetId(family, position.policyKey, position.direction, position.index, protocol, port);
      sets.push({ id, kind: 'pods', family, addresses });
      podSets.push(id);
    }
    namedMatches.push({ protocol, port, podSets });
  }
  const all = [...matches.values(), ...namedMatches].sort(comparePortMatches);
  return all.length === 0 ? { kind: 'no-port' } : { kind: 'some-ports', matches: all, sets };
}

function comparePortMatches(a: PortMatch, b: PortMatch): number {
  return (
    PROTOCOLS.indexOf(a.protocol) - PROTOCOLS.indexOf(b.protocol) ||
    (a.port ?? -1) - (b.port ?? -1) ||
    (a.endPort ?? -1) - (b.endPort ?? -1) ||
    (a.podSets === undefined ? 0 : 1) - (b.podSets === undefined ? 0 : 1) ||
    compareText((a.podSets ?? []).join(' '), (b.podSets ?? []).join(' '))
  );
}
