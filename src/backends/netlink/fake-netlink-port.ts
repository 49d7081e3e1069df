import type { IPFamily } from '../../core/model/index.js';
import {
  NetlinkError,
  type FdbSpec,
  type KernelAddress,
  type KernelLink,
  type KernelNeighbour,
  type KernelRoute,
  type LinkChange,
  type LinkSpec,
  type NeighbourSpec,
  type NetlinkPort,
  type RouteFilter,
  type RouteSelector,
  type RouteSpec,
} from '../../core/ports/netlink.js';
import { addressBytes, canonicalAddress, canonicalCidr, parseCidr } from './rtnetlink/ip-bytes.js';

/** Linux's interface name limit (IFNAMSIZ less the NUL). */
const MAX_NAME_BYTES = 15;
/** The metric the kernel gives an IPv6 route that asks for none. */
const IPV6_DEFAULT_METRIC = 1024;

/** A plain device (uplink, bridge) a test puts in the fake namespace. */
export interface FakeDevice {
  readonly name: string;
  readonly kind?: string | undefined;
  readonly mtu?: number | undefined;
  readonly up?: boolean | undefined;
}

/** Port methods whose next call a test can make fail. */
export type FakeNetlinkMethod = Exclude<keyof NetlinkPort, 'close'>;

interface StoredRoute {
  readonly key: string;
  readonly route: KernelRoute;
}

/**
 * An in-memory network namespace behind the {@link NetlinkPort} interface, with the kernel's
 * rules where the route backend depends on them: `EEXIST` for a second route to a destination
 * and metric whatever its protocol; deletion only of a route of the protocol asked; a gateway
 * must lie on a connected subnet unless `onlink`; routes need their device up; deleting or
 * downing a link drops its routes (and deleting it, its neighbours and forwarding entries); two VXLAN links may not
 * share a VNI and port; VXLAN's VNI and port and MTU-with-settings cannot change in place.
 *
 * Test hooks: {@link addDevice} and {@link addAddress} set the scene, {@link failNext} makes
 * one call fail, and {@link requests} records every call in `ip`-like words.
 */
export class FakeNetlinkPort implements NetlinkPort {
  /** Every call, in order, in `ip`-like words (`route add 10.1.2.0/24 ...`). */
  readonly requests: string[] = [];
  private readonly links = new Map<string, KernelLink>();
  private readonly addresses: KernelAddress[] = [];
  private readonly routes = new Map<string, StoredRoute>();
  private readonly neighbours = new Map<string, KernelNeighbour>();
  private readonly fdb = new Map<string, FdbSpec>();
  private readonly failures = new Map<FakeNetlinkMethod, string>();
  private nextIndex = 1;

  constructor() {
    this.addDevice({ name: 'lo', mtu: 65536 });
  }

  /** Adds a plain device (not a tunnel), up unless told otherwise. */
  addDevice(device: FakeDevice): this {
    this.links.set(device.name, {
      index: this.nextIndex++,
      name: device.name,
      mtu: device.mtu ?? 1500,
      up: device.up ?? true,
      ...(device.kind === undefined ? {} : { kind: device.kind }),
    });
    return this;
  }

  /** Adds an address (`192.168.50.11/24`) to a device, with its connected route (protocol kernel). */
  addAddress(device: string, cidr: string): this {
    if (!this.links.has(device)) throw new RangeError(`no device ${device}`);
    const family: IPFamily = cidr.includes(':') ? 'IPv6' : 'IPv4';
    this.addresses.push({ device, family, cidr });
    const destination = canonicalCidr(cidr);
    const route: KernelRoute = { family, destination, table: 254, protocol: 2, type: 'unicast', scope: 'link', device };
    this.store(route);
    return this;
  }

  /** Makes the next call of `method` reject with a {@link NetlinkError} of `code`. */
  failNext(method: FakeNetlinkMethod, code = 'EIO'): this {
    this.failures.set(method, code);
    return this;
  }

  /** Every link; see {@link NetlinkPort.listLinks}. */
  async listLinks(): Promise<KernelLink[]> {
    this.begin('listLinks', ['link', 'show']);
    return [...this.links.values()].sort((a, b) => a.index - b.index);
  }

  /** One link by name; see {@link NetlinkPort.getLink}. */
  async getLink(name: string): Promise<KernelLink | undefined> {
    this.begin('getLink', ['link', 'show', name]);
    return this.links.get(name);
  }

  /** Creates a tunnel link; see {@link NetlinkPort.addLink}. */
  async addLink(spec: LinkSpec): Promise<KernelLink> {
    const words = this.begin('addLink', ['link', 'add', spec.name, 'type', spec.tunnel.kind]);
    if (Buffer.byteLength(spec.name) > MAX_NAME_BYTES || spec.name === '') throw new NetlinkError(words, 'EINVAL');
    if (this.links.has(spec.name)) throw new NetlinkError(words, 'EEXIST');
    const remote = spec.tunnel.remote;
    if (remote !== undefined && addressBytes(spec.tunnel.local).length !== addressBytes(remote).length) throw new NetlinkError(words, 'EINVAL');
    if (spec.tunnel.kind === 'vxlan') this.checkVniFree(spec.tunnel.vni, spec.tunnel.port, spec.tunnel.local, words);
    const link: KernelLink = {
      index: this.nextIndex++,
      name: spec.name,
      kind: spec.tunnel.kind,
      mtu: spec.mtu ?? (spec.tunnel.kind === 'vxlan' ? 1450 : 1480),
      up: spec.up === true,
      tunnel: canonicalTunnel(spec.tunnel),
      ...(spec.tunnel.kind === 'vxlan' ? { address: spec.address ?? '02:00:00:00:00:01' } : {}),
    };
    this.links.set(spec.name, link);
    return link;
  }

  /** Changes a link; see {@link NetlinkPort.changeLink}. */
  async changeLink(name: string, change: LinkChange): Promise<void> {
    const words = this.begin('changeLink', ['link', 'set', name]);
    const link = this.links.get(name);
    if (link === undefined) throw new NetlinkError(words, 'ENODEV');
    let tunnel = link.tunnel;
    if (change.tunnel !== undefined) {
      const old = link.tunnel;
      if (old === undefined || old.kind !== change.tunnel.kind) throw new NetlinkError(words, 'EOPNOTSUPP');
      if (old.kind === 'vxlan' && change.tunnel.kind === 'vxlan') {
        if (old.vni !== change.tunnel.vni || old.port !== change.tunnel.port || change.mtu !== undefined) {
          throw new NetlinkError(words, 'EOPNOTSUPP');
        }
      }
      tunnel = canonicalTunnel(change.tunnel);
    }
    const up = change.up ?? link.up;
    this.links.set(name, {
      ...link,
      mtu: change.mtu ?? link.mtu,
      up,
      ...(tunnel === undefined ? {} : { tunnel }),
      ...(change.alias === undefined ? {} : { alias: change.alias }),
    });
    if (!up) this.dropRoutesOn(name);
  }

  /** Deletes a link with its routes and neighbours; see {@link NetlinkPort.deleteLink}. */
  async deleteLink(name: string): Promise<void> {
    const words = this.begin('deleteLink', ['link', 'del', name]);
    if (!this.links.delete(name)) throw new NetlinkError(words, 'ENODEV');
    this.dropRoutesOn(name);
    for (const [key, neighbour] of this.neighbours) if (neighbour.device === name) this.neighbours.delete(key);
    for (const [key, entry] of this.fdb) if (entry.device === name) this.fdb.delete(key);
    for (let i = this.addresses.length - 1; i >= 0; i--) if (this.addresses[i]?.device === name) this.addresses.splice(i, 1);
  }

  /** Routes, narrowed by `filter`; see {@link NetlinkPort.listRoutes}. */
  async listRoutes(filter: RouteFilter = {}): Promise<KernelRoute[]> {
    this.begin('listRoutes', ['route', 'show']);
    return [...this.routes.values()]
      .map((stored) => stored.route)
      .filter((route) => (filter.family === undefined || route.family === filter.family)
        && (filter.table === undefined || route.table === filter.table)
        && (filter.protocol === undefined || route.protocol === filter.protocol));
  }

  /** Adds a route; see {@link NetlinkPort.addRoute}. */
  async addRoute(route: RouteSpec): Promise<void> {
    const words = this.begin('addRoute', ['route', 'add', route.destination]);
    const resolved = this.resolve(route, words);
    if (this.routes.has(routeKey(resolved))) throw new NetlinkError(words, 'EEXIST');
    this.store(resolved);
  }

  /** Adds or replaces a route; see {@link NetlinkPort.replaceRoute}. */
  async replaceRoute(route: RouteSpec): Promise<void> {
    const words = this.begin('replaceRoute', ['route', 'replace', route.destination]);
    this.store(this.resolve(route, words));
  }

  /** Deletes a route of the selector's protocol; see {@link NetlinkPort.deleteRoute}. */
  async deleteRoute(selector: RouteSelector): Promise<void> {
    const words = this.begin('deleteRoute', ['route', 'del', selector.destination, 'proto', String(selector.protocol)]);
    const destination = canonicalCidr(selector.destination);
    const match = [...this.routes.values()].find(({ route }) =>
      route.family === selector.family && route.table === selector.table && route.destination === destination
      && route.protocol === selector.protocol && (selector.metric === undefined || route.metric === selector.metric));
    if (match === undefined) throw new NetlinkError(words, 'ESRCH');
    this.routes.delete(match.key);
  }

  /** Neighbour entries; see {@link NetlinkPort.listNeighbours}. */
  async listNeighbours(device?: string): Promise<KernelNeighbour[]> {
    this.begin('listNeighbours', ['neigh', 'show']);
    return [...this.neighbours.values()].filter((neighbour) => device === undefined || neighbour.device === device);
  }

  /** Adds or replaces a permanent neighbour; see {@link NetlinkPort.replaceNeighbour}. */
  async replaceNeighbour(neighbour: NeighbourSpec): Promise<void> {
    const words = this.begin('replaceNeighbour', ['neigh', 'replace', neighbour.address, 'dev', neighbour.device]);
    if (!this.links.has(neighbour.device)) throw new NetlinkError(words, 'ENODEV');
    const address = canonicalAddress(neighbour.address);
    this.neighbours.set(`${neighbour.device}|${address}`, { ...neighbour, address, lladdr: neighbour.lladdr.toLowerCase(), permanent: true });
  }

  /** Deletes a neighbour; see {@link NetlinkPort.deleteNeighbour}. */
  async deleteNeighbour(neighbour: Omit<NeighbourSpec, 'lladdr'>): Promise<void> {
    const words = this.begin('deleteNeighbour', ['neigh', 'del', neighbour.address, 'dev', neighbour.device]);
    if (!this.links.has(neighbour.device)) throw new NetlinkError(words, 'ENODEV');
    if (!this.neighbours.delete(`${neighbour.device}|${canonicalAddress(neighbour.address)}`)) throw new NetlinkError(words, 'ENOENT');
  }

  /** VXLAN forwarding entries; see {@link NetlinkPort.listFdb}. */
  async listFdb(device?: string): Promise<FdbSpec[]> {
    this.begin('listFdb', ['fdb', 'show']);
    return [...this.fdb.values()].filter((entry) => device === undefined || entry.device === device);
  }

  /** Adds or replaces a forwarding entry (the device must be VXLAN); see {@link NetlinkPort.replaceFdb}. */
  async replaceFdb(entry: FdbSpec): Promise<void> {
    const words = this.begin('replaceFdb', ['fdb', 'replace', entry.lladdr, 'dev', entry.device, 'dst', entry.destination]);
    const link = this.links.get(entry.device);
    if (link === undefined) throw new NetlinkError(words, 'ENODEV');
    if (link.kind !== 'vxlan') throw new NetlinkError(words, 'EOPNOTSUPP');
    const lladdr = entry.lladdr.toLowerCase();
    this.fdb.set(`${entry.device}|${lladdr}`, { device: entry.device, lladdr, destination: canonicalAddress(entry.destination) });
  }

  /** Deletes a forwarding entry; see {@link NetlinkPort.deleteFdb}. */
  async deleteFdb(entry: FdbSpec): Promise<void> {
    const words = this.begin('deleteFdb', ['fdb', 'del', entry.lladdr, 'dev', entry.device]);
    if (!this.links.has(entry.device)) throw new NetlinkError(words, 'ENODEV');
    if (!this.fdb.delete(`${entry.device}|${entry.lladdr.toLowerCase()}`)) throw new NetlinkError(words, 'ENOENT');
  }

  /** Interface addresses; see {@link NetlinkPort.listAddresses}. */
  async listAddresses(): Promise<KernelAddress[]> {
    this.begin('listAddresses', ['address', 'show']);
    return [...this.addresses];
  }

  /** Nothing to release. */
  async close(): Promise<void> {}

  private begin(method: FakeNetlinkMethod, words: string[]): string[] {
    this.requests.push(words.join(' '));
    const code = this.failures.get(method);
    if (code !== undefined) {
      this.failures.delete(method);
      throw new NetlinkError(words, code);
    }
    return words;
  }

  private checkVniFree(vni: number, port: number, local: string, words: string[]): void {
    const v6 = local.includes(':');
    for (const link of this.links.values()) {
      const other = link.tunnel;
      if (other?.kind !== 'vxlan') continue;
      if (other.vni === vni && other.port === port && other.local.includes(':') === v6) throw new NetlinkError(words, 'EEXIST');
    }
  }

  /** Applies the kernel's checks to a route and fills in the device it picks. */
  private resolve(route: RouteSpec, words: string[]): KernelRoute {
    const destination = canonicalCidr(route.destination);
    if (parseCidr(route.destination).family !== route.family) throw new NetlinkError(words, 'EINVAL');
    let device = route.device;
    if (device !== undefined) {
      const link = this.links.get(device);
      if (link === undefined) throw new NetlinkError(words, 'ENODEV');
      if (!link.up) throw new NetlinkError(words, 'ENETDOWN');
    }
    if (route.gateway !== undefined && route.onlink !== true) {
      const onSubnet = this.connectedDeviceFor(route.gateway);
      if (onSubnet === undefined || (device !== undefined && onSubnet !== device)) throw new NetlinkError(words, 'ENETUNREACH');
      device = onSubnet;
    }
    if (route.onlink === true && device === undefined) throw new NetlinkError(words, 'EINVAL');
    const metric = route.metric ?? (route.family === 'IPv6' ? IPV6_DEFAULT_METRIC : undefined);
    return {
      family: route.family,
      destination,
      table: route.table,
      protocol: route.protocol,
      type: 'unicast',
      scope: route.gateway === undefined ? 'link' : 'universe',
      ...(route.gateway === undefined ? {} : { gateway: canonicalAddress(route.gateway) }),
      ...(device === undefined ? {} : { device }),
      ...(route.onlink === true ? { onlink: true } : {}),
      ...(metric === undefined ? {} : { metric }),
    };
  }

  private connectedDeviceFor(gateway: string): string | undefined {
    for (const address of this.addresses) {
      if (!this.links.get(address.device)?.up) continue;
      if (cidrHolds(address.cidr, gateway)) return address.device;
    }
    return undefined;
  }

  private store(route: KernelRoute): void {
    const key = routeKey(route);
    this.routes.set(key, { key, route });
  }

  private dropRoutesOn(device: string): void {
    for (const [key, stored] of this.routes) if (stored.route.device === device) this.routes.delete(key);
  }
}

function routeKey(route: KernelRoute): string {
  return `${route.table}|${route.family}|${route.destination}|${route.metric ?? 0}`;
}

function canonicalTunnel<T extends LinkSpec['tunnel']>(tunnel: T): T {
  return {
    ...tunnel,
    local: canonicalAddress(tunnel.local),
    ...(tunnel.remote === undefined ? {} : { remote: canonicalAddress(tunnel.remote) }),
  };
}

function cidrHolds(cidr: string, address: string): boolean {
  const { network, prefixLength } = parseCidr(cidr);
  const bytes = addressBytes(address);
  if (bytes.length !== network.length) return false;
  for (let bit = 0; bit < prefixLength; bit++) {
    const mask = 0x80 >> (bit & 7);
    if (((bytes[bit >> 3] as number) & mask) !== ((network[bit >> 3] as number) & mask)) return false;
  }
  return true;
}
