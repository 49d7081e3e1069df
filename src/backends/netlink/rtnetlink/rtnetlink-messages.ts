/**
 * Conversions between the port's plain data and the `netlink` package's message structures
 * (`struct rtmsg`, `ifinfomsg`, `ndmsg`, `ifaddrmsg` and their attributes). Pure: the socket
 * lives in {@link RtnetlinkPort}, so these are unit-tested without one.
 *
 * @module
 */
import type { rt, ifla } from 'netlink';
import type {
  FdbSpec,
  KernelAddress,
  KernelLink,
  KernelNeighbour,
  KernelRoute,
  LinkChange,
  LinkSpec,
  NeighbourSpec,
  RouteSelector,
  RouteSpec,
} from '../../../core/ports/netlink.js';
import { decodeLinkInfo, encodeLinkInfo } from './link-info-codec.js';
import { addressBytes, addressFamilyNumber, addressText, familyOfNumber, macBytes, macText, parseCidr } from './ip-bytes.js';

/** `RTNH_F_ONLINK` (linux/rtnetlink.h): the gateway is taken as on the link. */
export const RTNH_F_ONLINK = 4;
/** `RT_TABLE_COMPAT`: what `rtm_table` says when the table id needs `RTA_TABLE` (ids above 255). */
const RT_TABLE_COMPAT = 252;

const ROUTE_TYPES = ['unspec', 'unicast', 'local', 'broadcast', 'anycast', 'multicast', 'blackhole', 'unreachable', 'prohibit', 'throw', 'nat', 'xresolve'];
const ROUTE_SCOPES: Record<number, string> = { 0: 'universe', 200: 'site', 253: 'link', 254: 'host', 255: 'nowhere' };

/** A route message: `rtmsg` and its attributes. */
export interface RouteMessageParts {
  readonly data: rt.Route;
  readonly attrs: rt.RouteAttrs;
}

/** The message adding or replacing `route`; `deviceIndex` resolves a device name. */
export function routeMessage(route: RouteSpec, deviceIndex: number | undefined): RouteMessageParts {
  const { network, prefixLength } = parseCidr(route.destination);
  const onlink = route.onlink === true;
  return {
    data: {
      family: addressFamilyNumber(route.family),
      dstLen: prefixLength,
      table: route.table <= 255 ? route.table : RT_TABLE_COMPAT,
      protocol: route.protocol,
      // A route with no gateway reaches hosts on the device itself: link scope, as `ip` makes it.
      scope: route.gateway === undefined && deviceIndex !== undefined ? 253 : 0,
      type: 1,
      ...(onlink ? { flags: { __unknown: RTNH_F_ONLINK } } : {}),
    },
    attrs: {
      dst: network,
      table: route.table,
      ...(route.gateway === undefined ? {} : { gateway: addressBytes(route.gateway) }),
      ...(deviceIndex === undefined ? {} : { oif: deviceIndex }),
      ...(route.metric === undefined ? {} : { priority: route.metric }),
    },
  };
}

/**
 * The message deleting a route. The protocol is set, so the kernel deletes only a route of
 * that protocol (it answers `ESRCH` otherwise); scope `nowhere` matches any scope.
 */
export function routeDeleteMessage(selector: RouteSelector): RouteMessageParts {
  const { network, prefixLength } = parseCidr(selector.destination);
  return {
    data: {
      family: addressFamilyNumber(selector.family),
      dstLen: prefixLength,
      table: selector.table <= 255 ? selector.table : RT_TABLE_COMPAT,
      protocol: selector.protocol,
      scope: 255,
    },
    attrs: {
      dst: network,
      table: selector.table,
      ...(selector.metric === undefined ? {} : { priority: selector.metric }),
    },
  };
}

function enumNumber(value: unknown, names: Record<string, number>): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value in names) return names[value] as number;
  return 0;
}

const PACKAGE_ROUTE_TYPES: Record<string, number> = Object.fromEntries(ROUTE_TYPES.map((name, index) => [name.toUpperCase(), index]));
const PACKAGE_SCOPES: Record<string, number> = { UNIVERSE: 0, SITE: 200, LINK: 253, HOST: 254, NOWHERE: 255 };
const PACKAGE_PROTOCOLS: Record<string, number> = {
  REDIRECT: 1, KERNEL: 2, BOOT: 3, STATIC: 4, GATED: 8, RA: 9, MRT: 10, ZEBRA: 11, BIRD: 12, DNROUTED: 13,
  XORP: 14, NTK: 15, DHCP: 16, MROUTED: 17, BABEL: 42, BGP: 186, ISIS: 187, OSPF: 188, RIP: 189, EIGRP: 192,
};

/** A listed route, or undefined for families other than IPv4 and IPv6. */
export function kernelRoute(message: RouteMessageParts, deviceName: (index: number) => string | undefined): KernelRoute | undefined {
  const family = familyOfNumber(message.data.family ?? 0);
  if (family === undefined) return undefined;
  const prefixLength = message.data.dstLen ?? 0;
  const network = message.attrs.dst ?? Buffer.alloc(family === 'IPv4' ? 4 : 16);
  const typeNumber = enumNumber(message.data.type, PACKAGE_ROUTE_TYPES);
  const scopeNumber = enumNumber(message.data.scope, PACKAGE_SCOPES);
  const flags = message.data.flags?.__unknown ?? 0;
  const device = message.attrs.oif === undefined ? undefined : deviceName(message.attrs.oif);
  return {
    family,
    destination: `${addressText(network)}/${prefixLength}`,
    table: message.attrs.table ?? message.data.table ?? 0,
    protocol: enumNumber(message.data.protocol, PACKAGE_PROTOCOLS),
    type: ROUTE_TYPES[typeNumber] ?? String(typeNumber),
    scope: ROUTE_SCOPES[scopeNumber] ?? String(scopeNumber),
    ...(message.attrs.gateway === undefined ? {} : { gateway: addressText(message.attrs.gateway) }),
    ...(device === undefined ? {} : { device }),
    ...((flags & RTNH_F_ONLINK) !== 0 ? { onlink: true } : {}),
    ...(message.attrs.priority === undefined ? {} : { metric: message.attrs.priority }),
  };
}

/** A link message: `ifinfomsg` and its attributes. */
export interface LinkMessageParts {
  readonly data: rt.Link;
  readonly attrs: ifla.LinkAttrs;
}

/** The message creating a tunnel link. */
export function newLinkMessage(spec: LinkSpec): LinkMessageParts {
  return {
    data: spec.up === true ? { flags: { up: true }, change: { up: true } } : {},
    attrs: {
      ifname: spec.name,
      linkinfo: encodeLinkInfo(spec.tunnel),
      ...(spec.mtu === undefined ? {} : { mtu: spec.mtu }),
      ...(spec.address === undefined ? {} : { address: macBytes(spec.address) }),
    },
  };
}

/** The message changing the link named `name` (an `RTM_NEWLINK` without `NLM_F_CREATE`). */
export function changeLinkMessage(name: string, change: LinkChange): LinkMessageParts {
  const data: rt.Link =
    change.up === undefined ? {} : { flags: change.up ? { up: true } : {}, change: { up: true } };
  return {
    data,
    attrs: {
      ifname: name,
      ...(change.mtu === undefined ? {} : { mtu: change.mtu }),
      ...(change.alias === undefined ? {} : { ifalias: change.alias }),
      ...(change.tunnel === undefined ? {} : { linkinfo: encodeLinkInfo(change.tunnel, true) }),
    },
  };
}

/** A listed link. */
export function kernelLink(message: LinkMessageParts): KernelLink {
  const info = message.attrs.linkinfo === undefined ? {} : decodeLinkInfo(message.attrs.linkinfo);
  const address = message.attrs.address;
  return {
    index: message.data.index ?? 0,
    name: message.attrs.ifname ?? '',
    mtu: message.attrs.mtu ?? 0,
    up: message.data.flags?.up === true,
    ...(info.kind === undefined ? {} : { kind: info.kind }),
    ...(info.tunnel === undefined ? {} : { tunnel: info.tunnel }),
    ...(address !== undefined && address.length === 6 ? { address: macText(address) } : {}),
    ...(message.attrs.ifalias === undefined || message.attrs.ifalias === '' ? {} : { alias: message.attrs.ifalias }),
  };
}

/** `NUD_PERMANENT` (linux/neighbour.h). */
const NUD_PERMANENT = 0x80;

/** A neighbour message: `ndmsg` and its attributes. */
export interface NeighbourMessageParts {
  readonly data: rt.Neighbor;
  readonly attrs: rt.NeighborAttrs;
}

/** The message adding or replacing a permanent neighbour on device `deviceIndex`. */
export function neighbourMessage(neighbour: NeighbourSpec, deviceIndex: number): NeighbourMessageParts {
  const dst = addressBytes(neighbour.address);
  return {
    data: { family: dst.length === 4 ? 2 : 10, ifindex: deviceIndex, state: { permanent: true } },
    attrs: { dst, lladdr: macBytes(neighbour.lladdr) },
  };
}

/** The message deleting a neighbour. */
export function neighbourDeleteMessage(neighbour: Omit<NeighbourSpec, 'lladdr'>, deviceIndex: number): NeighbourMessageParts {
  const dst = addressBytes(neighbour.address);
  return { data: { family: dst.length === 4 ? 2 : 10, ifindex: deviceIndex }, attrs: { dst } };
}

/** A listed neighbour, or undefined for entries without an IP or hardware address. */
export function kernelNeighbour(message: NeighbourMessageParts, deviceName: (index: number) => string | undefined): KernelNeighbour | undefined {
  const { dst, lladdr } = message.attrs;
  const device = deviceName(message.data.ifindex ?? 0);
  if (dst === undefined || lladdr === undefined || lladdr.length !== 6 || device === undefined) return undefined;
  const state = message.data.state;
  const permanent = state?.permanent === true || ((state?.__unknown ?? 0) & NUD_PERMANENT) !== 0;
  return { device, address: addressText(dst), lladdr: macText(lladdr), permanent };
}

/** `AF_BRIDGE`: the family of forwarding database entries. */
export const AF_BRIDGE = 7;
/** `NTF_SELF` (linux/neighbour.h): the entry belongs to the device itself (VXLAN's own table). */
const NTF_SELF = 0x02;

/** The message adding, replacing or deleting a VXLAN forwarding entry on device `deviceIndex`. */
export function fdbMessage(entry: FdbSpec, deviceIndex: number): NeighbourMessageParts {
  return {
    data: { family: AF_BRIDGE, ifindex: deviceIndex, state: { permanent: true }, flags: { __unknown: NTF_SELF } },
    attrs: { lladdr: macBytes(entry.lladdr), dst: addressBytes(entry.destination) },
  };
}

/** A listed forwarding entry, or undefined for entries without an underlay destination. */
export function kernelFdb(message: NeighbourMessageParts, deviceName: (index: number) => string | undefined): FdbSpec | undefined {
  const { dst, lladdr } = message.attrs;
  const device = deviceName(message.data.ifindex ?? 0);
  if (dst === undefined || lladdr === undefined || lladdr.length !== 6 || device === undefined) return undefined;
  return { device, lladdr: macText(lladdr), destination: addressText(dst) };
}

/** A listed address, or undefined for other families. */
export function kernelAddress(
  message: { data: rt.Address; attrs: rt.AddressAttrs },
  deviceName: (index: number) => string | undefined,
): KernelAddress | undefined {
  const family = familyOfNumber(message.data.family ?? 0);
  const bytes = message.attrs.local ?? message.attrs.address;
  const device = deviceName(message.data.index ?? 0);
  if (family === undefined || bytes === undefined || device === undefined) return undefined;
  return { device, family, cidr: `${addressText(bytes)}/${message.data.prefixlen ?? 0}` };
}
