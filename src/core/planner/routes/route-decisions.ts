import type { PodSubnetRoute, TunnelPlan } from '../../plan/index.js';
import { cidrContainsHex, type CidrKey } from './cidr-keys.js';
import type { UnderlayAddress } from './node-address-claims.js';
import { underlayAddressOf } from './node-routing.js';
import type { RouteIndex } from './route-index.js';
import type { ResolvedRouteOptions } from './route-plan-options.js';
import { tunnelMtu } from './tunnel-mtu.js';

/**
 * The route to pod CIDR `destination`, decided from the indexes alone, or undefined when
 * there is none. Skipped, each without error (the store reports the bad input as problems):
 *
 * - a CIDR nobody claims, or this node's own;
 * - a CIDR two nodes claim, or one that overlaps another node's (neither side is routed);
 * - a CIDR of a family for which this node or the owner has no InternalIP;
 * - an owner whose InternalIP of that family another node (this one included) also has;
 * - with the overlay off, an owner off this node's underlay subnets (left to BGP).
 *
 * The route is `direct` when the owner's InternalIP is on one of this node's underlay subnets
 * (or the subnet of that family is unknown) and the overlay type is not `full`; otherwise it
 * goes through the tunnel named after that address.
 */
export function decideRoute(
  destination: CidrKey,
  index: RouteIndex,
  options: ResolvedRouteOptions,
): PodSubnetRoute | undefined {
  const local = index.local;
  const ownerName = index.podCidrs.get(destination)?.soleOwner;
  if (local === undefined || ownerName === undefined || ownerName === local.node.name) return undefined;
  const owner = index.node(ownerName);
  const family = destination.family;
  const gateway = owner === undefined ? undefined : underlayAddressOf(owner, family);
  if (gateway === undefined || underlayAddressOf(local, family) === undefined) return undefined;
  if (index.addresses.soleOwnerNode(gateway.tunnel) !== ownerName) return undefined;
  if (index.podCidrs.hasOverlap(destination)) return undefined;
  const sameSubnet = onUnderlay(gateway, options);
  const overlay = options.settings.overlay;
  if (overlay === 'full' || (overlay === 'subnet' && !sameSubnet)) {
    const device = gateway.tunnel;
    return { destination: destination.text, family, node: ownerName, kind: 'tunnel', gateway: gateway.address, sameSubnet, device };
  }
  if (!sameSubnet) return undefined;
  return { destination: destination.text, family, node: ownerName, kind: 'direct', gateway: gateway.address, sameSubnet };
}

/**
 * The tunnel device `name`, or undefined when no route uses it. `routes` holds the routes
 * planned in the same pass, so tunnels are decided after routes: a tunnel exists exactly while
 * one of its node's routes goes through it.
 */
export function decideTunnel(
  name: string,
  index: RouteIndex,
  options: ResolvedRouteOptions,
  routes: { get(destination: string): PodSubnetRoute | undefined },
): TunnelPlan | undefined {
  const local = index.local;
  const node = index.addresses.soleOwnerNode(name);
  const remote = node === undefined ? undefined : index.node(node);
  if (local === undefined || node === undefined || remote === undefined) return undefined;
  const address = remote.ipv4?.tunnel === name ? remote.ipv4 : remote.ipv6?.tunnel === name ? remote.ipv6 : undefined;
  if (address === undefined) return undefined;
  const family = address.family;
  const localAddress = underlayAddressOf(local, family);
  if (localAddress === undefined || !routesThrough(remote.podCidrs, family, name, routes)) return undefined;
  const type = options.tunnelType;
  const mtu = tunnelMtu(type, family, options.underlayMTU);
  const ends = { local: localAddress.address, remote: address.address };
  // Fields a type does not have are left out, not set undefined, so plans compare and print cleanly.
  switch (type) {
    case 'vxlan':
      return { name, type, family, node, ...ends, mtu, vni: options.vxlanVni, port: options.vxlanPort };
    case 'fou':
      return { name, type, family, node, ...ends, mtu, port: options.fouPort };
    case 'ipip':
      return { name, type, family, node, ...ends, mtu };
  }
}

/** True when a route to one of `podCidrs` of `family` goes through device `name`. */
function routesThrough(
  podCidrs: readonly CidrKey[],
  family: string,
  name: string,
  routes: { get(destination: string): PodSubnetRoute | undefined },
): boolean {
  for (const cidr of podCidrs) {
    if (cidr.family === family && routes.get(cidr.text)?.device === name) return true;
  }
  return false;
}

/** True when `address` lies in one of this node's underlay CIDRs of its family, or none is known. */
function onUnderlay(address: UnderlayAddress, options: ResolvedRouteOptions): boolean {
  const subnets = options.underlay.get(address.family);
  return subnets === undefined || subnets.some((subnet) => cidrContainsHex(subnet, address.hex));
}
