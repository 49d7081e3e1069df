import { PROTOCOLS, type NetworkPolicyPort, type Pod, type Protocol } from '../../model/index.js';
import type { PortMatch } from '../../plan/index.js';
import { compareAddresses, sortedUniqueAddresses } from '../common/addresses.js';

/**
 * The port matches of one rule.
 *
 * - A numeric port (with its `endPort`, if any) and a port-less entry (every port of the
 *   protocol) are taken as given.
 * - A named port is resolved per destination pod: among `destinationPods`, those with a
 *   container port of that name and protocol. One match per (protocol, number) it resolves
 *   to, with `podIPs` the IPs of the pods declaring it (several names resolving to the same
 *   number on different pods merge into one match). A name no destination declares yields
 *   no match.
 *
 * Caller's care: an empty result for a rule with ports means nothing matched, which is not
 * the same as a rule without ports (every port); see {@link PortResolution}.
 *
 * @returns matches sorted by protocol (TCP, UDP, SCTP), port (port-less first), endPort,
 * unrestricted matches before those limited to `podIPs`; duplicates removed.
 */
export function planPortMatches(ports: readonly NetworkPolicyPort[], destinationPods: readonly Pod[]): PortMatch[] {
  const matches = new Map<string, PortMatch>();
  const namedPodIPs = new Map<string, { protocol: Protocol; port: number; ips: string[] }>();
  for (const entry of ports) {
    if (typeof entry.port === 'string') {
      for (const pod of destinationPods) {
        const number = resolveNamedPort(pod, entry.port, entry.protocol);
        if (number === undefined) continue;
        const key = `${entry.protocol} ${number}`;
        const resolved = namedPodIPs.get(key) ?? { protocol: entry.protocol, port: number, ips: [] };
        resolved.ips.push(...pod.podIPs);
        namedPodIPs.set(key, resolved);
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
  const named = [...namedPodIPs.values()].map(
    ({ protocol, port, ips }): PortMatch => ({ protocol, port, podIPs: sortedUniqueAddresses(ips) }),
  );
  return [...matches.values(), ...named].sort(comparePortMatches);
}

/** The outcome of resolving a rule's ports: what {@link planPortMatches} gives, interpreted. */
export type PortResolution =
  | { readonly kind: 'all-ports' }
  | { readonly kind: 'some-ports'; readonly matches: readonly PortMatch[] }
  | { readonly kind: 'no-port' };

/**
 * Resolves a rule's ports and says which of the three cases it is: no ports listed (every
 * port), some matches, or ports listed of which none resolved (the rule allows nothing).
 */
export function resolveRulePorts(ports: readonly NetworkPolicyPort[], destinationPods: readonly Pod[]): PortResolution {
  if (ports.length === 0) return { kind: 'all-ports' };
  const matches = planPortMatches(ports, destinationPods);
  return matches.length === 0 ? { kind: 'no-port' } : { kind: 'some-ports', matches };
}

/** The number a named container port has in the pod, for this protocol. */
function resolveNamedPort(pod: Pod, name: string, protocol: Protocol): number | undefined {
  for (const container of pod.containers) {
    for (const port of container.ports) {
      if (port.name === name && port.protocol === protocol) return port.containerPort;
    }
  }
  return undefined;
}

function comparePortMatches(a: PortMatch, b: PortMatch): number {
  return (
    PROTOCOLS.indexOf(a.protocol) - PROTOCOLS.indexOf(b.protocol) ||
    (a.port ?? -1) - (b.port ?? -1) ||
    (a.endPort ?? -1) - (b.endPort ?? -1) ||
    (a.podIPs === undefined ? 0 : 1) - (b.podIPs === undefined ? 0 : 1) ||
    compareAddressLists(a.podIPs ?? [], b.podIPs ?? [])
  );
}

function compareAddressLists(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = compareAddresses(a[i] as string, b[i] as string);
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}
