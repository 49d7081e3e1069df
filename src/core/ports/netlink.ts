/**
 * The netlink port: the few rtnetlink requests the route backend needs (routes, tunnel links,
 * neighbours, addresses), in plain data. The real implementation speaks rtnetlink over a
 * socket of the network namespace it was opened in; the fake keeps an in-memory kernel with
 * the same rules, for unit tests.
 *
 * Addresses are text (`10.1.2.0/24`, `192.168.50.12`, `fd00::1`), devices are names, and a
 * route's owner is its protocol number (`rtm_protocol`), which the kernel stores and returns
 * as given, so a program can tell its own routes from everyone else's.
 *
 * @module
 */
import { BackendError } from '../errors.js';
import type { IPFamily } from '../model/index.js';

/** The kernel's main routing table (`RT_TABLE_MAIN`). */
export const MAIN_ROUTING_TABLE = 254;

/** What a route program writes: a unicast route in one table, owned through its protocol. */
export interface RouteSpec {
  readonly family: IPFamily;
  /** Destination CIDR. */
  readonly destination: string;
  /** Routing table id, e.g. {@link MAIN_ROUTING_TABLE}. */
  readonly table: number;
  /** `rtm_protocol`: who made the route (1..255; 2 is the kernel, 4 `static`). */
  readonly protocol: number;
  /** Next hop; omitted for a route straight onto `device`. */
  readonly gateway?: string | undefined;
  /** Output device; omitted to let the kernel pick it from the gateway. */
  readonly device?: string | undefined;
  /** Take the gateway as directly on `device` even if no subnet there holds it (`onlink`). */
  readonly onlink?: boolean | undefined;
  /** Route priority (`metric`); the kernel's default 0 when omitted. */
  readonly metric?: number | undefined;
}

/** What identifies a route to delete: the kernel deletes only a route of this protocol. */
export interface RouteSelector {
  readonly family: IPFamily;
  readonly destination: string;
  readonly table: number;
  readonly protocol: number;
  readonly metric?: number | undefined;
}

/** A route as the kernel lists it. */
export interface KernelRoute extends RouteSpec {
  /** `unicast`, `local`, `broadcast`, `blackhole`, ... (lower-case `RTN_*` names). */
  readonly type: string;
  /** `universe`, `link`, `host`, ... (lower-case `RT_SCOPE_*` names), or the number. */
  readonly scope: string;
}

/** Which routes a listing returns; every field narrows it. */
export interface RouteFilter {
  readonly family?: IPFamily | undefined;
  readonly table?: number | undefined;
  readonly protocol?: number | undefined;
}

/**
 * A VXLAN device. With `remote`, point to point (the default forwarding entry); without, frames
 * go where the device's forwarding entries ({@link FdbSpec}) say.
 */
export interface VxlanSettings {
  readonly kind: 'vxlan';
  /** VXLAN network identifier. */
  readonly vni: number;
  readonly local: string;
  readonly remote?: string | undefined;
  /** UDP destination port. */
  readonly port: number;
}

/** An IP-in-IP device, optionally inside foo-over-UDP (`encap fou`). */
export interface IpipSettings {
  readonly kind: 'ipip';
  readonly local: string;
  readonly remote: string;
  /** FOU encapsulation: UDP destination port of the remote's FOU receiver. */
  readonly fouPort?: number | undefined;
}

/** The tunnel part of a link. */
export type TunnelSettings = VxlanSettings | IpipSettings;

/** A tunnel link to create. */
export interface LinkSpec {
  readonly name: string;
  readonly tunnel: TunnelSettings;
  readonly mtu?: number | undefined;
  /** Bring the link up at creation (routes onto a down device are refused). */
  readonly up?: boolean | undefined;
  /** Hardware address (`aa:bb:cc:dd:ee:ff`) for Ethernet-like tunnels (VXLAN). */
  readonly address?: string | undefined;
}

/** What can change on an existing link; absent fields stay as they are. */
export interface LinkChange {
  readonly mtu?: number | undefined;
  readonly up?: boolean | undefined;
  /** `ifalias`: free text an operator sees in `ip link`. */
  readonly alias?: string | undefined;
  /** New tunnel endpoints (the kind and, for VXLAN, the VNI and port cannot change). */
  readonly tunnel?: TunnelSettings | undefined;
}

/** A link as the kernel lists it. */
export interface KernelLink {
  readonly index: number;
  readonly name: string;
  /** `IFLA_INFO_KIND` (`vxlan`, `ipip`, `veth`, `bridge`, ...); undefined for plain devices. */
  readonly kind?: string | undefined;
  readonly mtu: number;
  readonly up: boolean;
  readonly address?: string | undefined;
  readonly alias?: string | undefined;
  /** Decoded tunnel settings, for `vxlan` and `ipip` links. */
  readonly tunnel?: TunnelSettings | undefined;
}

/** A neighbour (ARP / NDP) entry. */
export interface NeighbourSpec {
  readonly device: string;
  /** The IP address. */
  readonly address: string;
  /** The hardware address. */
  readonly lladdr: string;
}

/** A neighbour entry as the kernel lists it. */
export interface KernelNeighbour extends NeighbourSpec {
  readonly permanent: boolean;
}

/**
 * A forwarding entry of a VXLAN device (`bridge fdb ... self permanent`): frames to `lladdr`
 * go to the underlay address `destination`.
 */
export interface FdbSpec {
  readonly device: string;
  readonly lladdr: string;
  readonly destination: string;
}

/** An interface address. */
export interface KernelAddress {
  readonly device: string;
  readonly family: IPFamily;
  /** `address/prefix`, e.g. `192.168.50.11/24`. */
  readonly cidr: string;
}

/**
 * The rtnetlink requests of the route backend. Every method is one kernel request (a dump
 * for the listings). Failures reject with {@link NetlinkError}, whose `code` is the errno
 * name the kernel answered (`EEXIST`, `ESRCH`, `ENODEV`, `ENETUNREACH`, ...).
 */
export interface NetlinkPort {
  /** Every link of the namespace. */
  listLinks(): Promise<KernelLink[]>;
  /** The link named `name`, or undefined. */
  getLink(name: string): Promise<KernelLink | undefined>;
  /** Creates a tunnel link; `EEXIST` when the name is taken. Resolves with the new link. */
  addLink(spec: LinkSpec): Promise<KernelLink>;
  /** Changes a link; `ENODEV` when there is none of that name. */
  changeLink(name: string, change: LinkChange): Promise<void>;
  /** Deletes a link, and with it every route and neighbour on it; `ENODEV` when absent. */
  deleteLink(name: string): Promise<void>;
  /** Routes of every table, narrowed by `filter`. */
  listRoutes(filter?: RouteFilter): Promise<KernelRoute[]>;
  /** Adds a route; `EEXIST` when the table has one for the destination and metric (of any protocol). */
  addRoute(route: RouteSpec): Promise<void>;
  /** Adds a route or replaces the one for the destination and metric (of any protocol). */
  replaceRoute(route: RouteSpec): Promise<void>;
  /** Deletes the route of `selector`'s protocol; `ESRCH` when it has none. */
  deleteRoute(selector: RouteSelector): Promise<void>;
  /** Neighbour entries, of one device or all. */
  listNeighbours(device?: string): Promise<KernelNeighbour[]>;
  /** Adds or replaces a permanent neighbour entry. */
  replaceNeighbour(neighbour: NeighbourSpec): Promise<void>;
  /** Deletes a neighbour entry; `ENOENT` when absent. */
  deleteNeighbour(neighbour: Omit<NeighbourSpec, 'lladdr'>): Promise<void>;
  /** Forwarding entries with an underlay destination, of one device or all. */
  listFdb(device?: string): Promise<FdbSpec[]>;
  /** Adds or replaces a permanent forwarding entry of a VXLAN device. */
  replaceFdb(entry: FdbSpec): Promise<void>;
  /** Deletes a forwarding entry; `ENOENT` when absent. */
  deleteFdb(entry: FdbSpec): Promise<void>;
  /** Interface addresses. */
  listAddresses(): Promise<KernelAddress[]>;
  /** Releases the socket. */
  close(): Promise<void>;
}

/**
 * A netlink request the kernel refused. It is a {@link BackendError} whose command is
 * `netlink`, whose arguments read like the `ip` command doing the same (`route add
 * 10.1.2.0/24 via 192.168.50.12 proto 17`), and whose reason is the errno name.
 */
export class NetlinkError extends BackendError {
  /**
   * @param request the request in `ip`-like words, e.g. `['route', 'add', '10.1.2.0/24']`
   * @param code the errno name the kernel answered, e.g. `EEXIST`
   */
  constructor(
    request: readonly string[],
    readonly code: string,
  ) {
    super('netlink', request, undefined, '', code);
  }
}

/** True when `error` is a {@link NetlinkError} with one of `codes`. */
export function isNetlinkError(error: unknown, ...codes: string[]): error is NetlinkError {
  return error instanceof NetlinkError && (codes.length === 0 || codes.includes(error.code));
}

/** Injection token for the {@link NetlinkPort} (tsyringe). */
export const NETLINK_PORT = Symbol.for('kube-router.NetlinkPort');
