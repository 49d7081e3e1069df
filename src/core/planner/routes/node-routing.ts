import type { IPFamily, Node } from '../../model/index.js';
import { cidrKeyOf, hostCidrKeyOf, type CidrKey } from './cidr-keys.js';
import type { UnderlayAddress } from './node-address-claims.js';
import { tunnelName } from './tunnel-name.js';

/** What the route planner reads of a node, parsed once. */
export interface NodeRouting {
  /** Its pod CIDRs that can be routed to: those that parse, default routes (`/0`) left out. */
  readonly podCidrs: readonly CidrKey[];
  /** Its first InternalIP of IPv4: the address routes and tunnels of that family lead to. */
  readonly ipv4: UnderlayAddress | undefined;
  /** Its first InternalIP of IPv6. */
  readonly ipv6: UnderlayAddress | undefined;
  /** `ipv4` and `ipv6`, those present. */
  readonly addresses: readonly UnderlayAddress[];
  /** Every InternalIP as a host CIDR (`/32`, `/128`): masquerade exceptions. */
  readonly hostCidrs: readonly CidrKey[];
}

/**
 * Model nodes are immutable and shared by every snapshot holding them, so each is parsed once
 * for every planner in the process (a fresh `planRoutes` on an unchanged node reads no address
 * again), and the entry goes when the node object does.
 */
const parsed = new WeakMap<Node, NodeRouting>();

/** The routing view of `node`. */
export function routingOf(node: Node): NodeRouting {
  let routing = parsed.get(node);
  if (routing === undefined) {
    routing = parse(node);
    parsed.set(node, routing);
  }
  return routing;
}

/** The underlay address of `family`. */
export function underlayAddressOf(routing: NodeRouting, family: IPFamily): UnderlayAddress | undefined {
  return family === 'IPv4' ? routing.ipv4 : routing.ipv6;
}

function parse(node: Node): NodeRouting {
  const podCidrs: CidrKey[] = [];
  for (const text of node.podCIDRs) {
    const cidr = cidrKeyOf(text);
    // A default route is no pod network: routing or exempting it would take every address.
    if (cidr !== undefined && cidr.prefix > 0) podCidrs.push(cidr);
  }
  let ipv4: UnderlayAddress | undefined;
  let ipv6: UnderlayAddress | undefined;
  const hostCidrs: CidrKey[] = [];
  for (const address of node.internalIPs) {
    const host = hostCidrKeyOf(address);
    if (host === undefined) continue;
    hostCidrs.push(host);
    if (host.family === 'IPv4' && ipv4 === undefined) ipv4 = underlayAddress(host, address);
    if (host.family === 'IPv6' && ipv6 === undefined) ipv6 = underlayAddress(host, address);
  }
  const addresses = [ipv4, ipv6].filter((address) => address !== undefined);
  return Object.freeze({ podCidrs, ipv4, ipv6, addresses, hostCidrs });
}

function underlayAddress(host: CidrKey, address: string): UnderlayAddress {
  return { family: host.family, address, hex: host.hex, tunnel: tunnelName(address) };
}

