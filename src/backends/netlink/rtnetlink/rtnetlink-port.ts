import netlink from 'netlink';
import type { IPFamily } from '../../../core/model/index.js';
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
} from '../../../core/ports/netlink.js';
import { addressFamilyNumber } from './ip-bytes.js';
import {
  AF_BRIDGE,
  changeLinkMessage,
  fdbMessage,
  kernelFdb,
  kernelAddress,
  kernelLink,
  kernelNeighbour,
  kernelRoute,
  neighbourDeleteMessage,
  neighbourMessage,
  newLinkMessage,
  routeDeleteMessage,
  routeMessage,
} from './rtnetlink-messages.js';

const { createRtNetlink, FlagsNew, Flags } = netlink;

/** Options of {@link RtnetlinkPort}. */
export interface RtnetlinkPortOptions {
  /** Per-request timeout; default 10 s (a wedged kernel request must not hang a sync forever). */
  readonly timeoutMs?: number;
}

/**
 * The real {@link NetlinkPort}: rtnetlink over a socket opened, when constructed, in this
 * process's network namespace. That is the namespace it programs: to program another one, run
 * the process inside it (`ip netns exec`), as `NamespacedRouteBackend` does.
 *
 * Devices are named in the port's API and indexed in the kernel's, so the port keeps a
 * name/index map, filled by listings and link creation and refreshed on a miss.
 */
export class RtnetlinkPort implements NetlinkPort {
  private readonly socket = createRtNetlink();
  private readonly indexByName = new Map<string, number>();
  private readonly nameByIndex = new Map<number, string>();
  private readonly timeoutMs: number;

  /** Opens the socket (in the current network namespace). */
  constructor(options: RtnetlinkPortOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Every link; see {@link NetlinkPort.listLinks}. */
  async listLinks(): Promise<KernelLink[]> {
    const messages = await this.call(['link', 'show'], () => this.socket.getLinks(undefined, undefined, this.options()));
    const links = messages.map(kernelLink);
    this.indexByName.clear();
    this.nameByIndex.clear();
    for (const link of links) this.remember(link);
    return links;
  }

  /** One link by name; see {@link NetlinkPort.getLink}. */
  async getLink(name: string): Promise<KernelLink | undefined> {
    try {
      const [message] = await this.call(['link', 'show', name], () => this.socket.getLink({}, { ifname: name }, this.options()));
      if (message === undefined) return undefined;
      const link = kernelLink(message);
      this.remember(link);
      return link;
    } catch (error) {
      if (error instanceof NetlinkError && error.code === 'ENODEV') return undefined;
      throw error;
    }
  }

  /** Creates a tunnel link; see {@link NetlinkPort.addLink}. */
  async addLink(spec: LinkSpec): Promise<KernelLink> {
    const { data, attrs } = newLinkMessage(spec);
    // NLM_F_ECHO: the kernel answers with the new link, index included, saving a lookup.
    const flags = FlagsNew.CREATE | FlagsNew.EXCL | Flags.ECHO;
    const [echo] = await this.call(['link', 'add', spec.name, 'type', spec.tunnel.kind], () =>
      this.socket.newLink(data, attrs, this.options(flags)),
    );
    const link = echo === undefined ? await this.getLink(spec.name) : kernelLink(echo);
    if (link === undefined) throw new NetlinkError(['link', 'add', spec.name], 'ENODEV');
    this.remember(link);
    return link;
  }

  /**
   * Changes a link by name; see {@link NetlinkPort.changeLink}. New tunnel endpoints go in a
   * request of their own: VXLAN refuses an MTU in the same request as its settings
   * (`EOPNOTSUPP`, "Cannot change mtu").
   */
  async changeLink(name: string, change: LinkChange): Promise<void> {
    const { tunnel, ...rest } = change;
    if (tunnel !== undefined && Object.values(rest).some((value) => value !== undefined)) {
      await this.changeLink(name, { tunnel });
      await this.changeLink(name, rest);
      return;
    }
    const { data, attrs } = changeLinkMessage(name, change);
    await this.call(['link', 'set', name, ...describeChange(change)], () => this.socket.newLink(data, attrs, this.options()));
  }

  /** Deletes a link by name; see {@link NetlinkPort.deleteLink}. */
  async deleteLink(name: string): Promise<void> {
    await this.call(['link', 'del', name], () => this.socket.delLink({}, { ifname: name }, this.options()));
    const index = this.indexByName.get(name);
    this.indexByName.delete(name);
    if (index !== undefined) this.nameByIndex.delete(index);
  }

  /** Routes of every table, narrowed by `filter`; see {@link NetlinkPort.listRoutes}. */
  async listRoutes(filter: RouteFilter = {}): Promise<KernelRoute[]> {
    const families: IPFamily[] = filter.family === undefined ? ['IPv4', 'IPv6'] : [filter.family];
    const routes: KernelRoute[] = [];
    for (const family of families) {
      const messages = await this.call(['route', 'show', family === 'IPv4' ? '-4' : '-6'], () =>
        this.socket.getRoutes({ family: addressFamilyNumber(family) }, undefined, this.options()),
      );
      if (messages.some((message) => message.attrs.oif !== undefined && !this.nameByIndex.has(message.attrs.oif))) {
        await this.listLinks();
      }
      for (const message of messages) {
        const route = kernelRoute(message, (index) => this.nameByIndex.get(index));
        if (route === undefined || route.family !== family) continue;
        if (filter.table !== undefined && route.table !== filter.table) continue;
        if (filter.protocol !== undefined && route.protocol !== filter.protocol) continue;
        routes.push(route);
      }
    }
    return routes;
  }

  /** Adds a route (`NLM_F_EXCL`); see {@link NetlinkPort.addRoute}. */
  async addRoute(route: RouteSpec): Promise<void> {
    await this.writeRoute('add', route, FlagsNew.CREATE | FlagsNew.EXCL);
  }

  /** Adds or replaces a route; see {@link NetlinkPort.replaceRoute}. */
  async replaceRoute(route: RouteSpec): Promise<void> {
    await this.writeRoute('replace', route, FlagsNew.CREATE | FlagsNew.REPLACE);
  }

  /** Deletes a route of the selector's protocol; see {@link NetlinkPort.deleteRoute}. */
  async deleteRoute(selector: RouteSelector): Promise<void> {
    const { data, attrs } = routeDeleteMessage(selector);
    const words = ['route', 'del', selector.destination, 'table', String(selector.table), 'proto', String(selector.protocol)];
    await this.call(words, () => this.socket.delRoute(data, attrs, this.options()));
  }

  /** Neighbour entries; see {@link NetlinkPort.listNeighbours}. */
  async listNeighbours(device?: string): Promise<KernelNeighbour[]> {
    const messages = await this.call(['neigh', 'show'], () => this.socket.getNeighbors(undefined, undefined, this.options()));
    if (messages.some((message) => !this.nameByIndex.has(message.data.ifindex ?? 0))) await this.listLinks();
    const found: KernelNeighbour[] = [];
    for (const message of messages) {
      const neighbour = kernelNeighbour(message, (index) => this.nameByIndex.get(index));
      if (neighbour !== undefined && (device === undefined || neighbour.device === device)) found.push(neighbour);
    }
    return found;
  }

  /** Adds or replaces a permanent neighbour; see {@link NetlinkPort.replaceNeighbour}. */
  async replaceNeighbour(neighbour: NeighbourSpec): Promise<void> {
    const words = ['neigh', 'replace', neighbour.address, 'lladdr', neighbour.lladdr, 'dev', neighbour.device];
    const index = await this.indexOf(neighbour.device, words);
    const { data, attrs } = neighbourMessage(neighbour, index);
    await this.call(words, () => this.socket.newNeighbor(data, attrs, this.options(FlagsNew.CREATE | FlagsNew.REPLACE)));
  }

  /** Deletes a neighbour; see {@link NetlinkPort.deleteNeighbour}. */
  async deleteNeighbour(neighbour: Omit<NeighbourSpec, 'lladdr'>): Promise<void> {
    const words = ['neigh', 'del', neighbour.address, 'dev', neighbour.device];
    const index = await this.indexOf(neighbour.device, words);
    const { data, attrs } = neighbourDeleteMessage(neighbour, index);
    await this.call(words, () => this.socket.delNeighbor(data, attrs, this.options()));
  }

  /** VXLAN forwarding entries; see {@link NetlinkPort.listFdb}. */
  async listFdb(device?: string): Promise<FdbSpec[]> {
    const messages = await this.call(['fdb', 'show'], () => this.socket.getNeighbors({ family: AF_BRIDGE }, undefined, this.options()));
    if (messages.some((message) => !this.nameByIndex.has(message.data.ifindex ?? 0))) await this.listLinks();
    const found: FdbSpec[] = [];
    for (const message of messages) {
      const entry = kernelFdb(message, (index) => this.nameByIndex.get(index));
      if (entry !== undefined && (device === undefined || entry.device === device)) found.push(entry);
    }
    return found;
  }

  /** Adds or replaces a VXLAN forwarding entry; see {@link NetlinkPort.replaceFdb}. */
  async replaceFdb(entry: FdbSpec): Promise<void> {
    const words = ['fdb', 'replace', entry.lladdr, 'dev', entry.device, 'dst', entry.destination, 'self', 'permanent'];
    const { data, attrs } = fdbMessage(entry, await this.indexOf(entry.device, words));
    await this.call(words, () => this.socket.newNeighbor(data, attrs, this.options(FlagsNew.CREATE | FlagsNew.REPLACE)));
  }

  /** Deletes a VXLAN forwarding entry; see {@link NetlinkPort.deleteFdb}. */
  async deleteFdb(entry: FdbSpec): Promise<void> {
    const words = ['fdb', 'del', entry.lladdr, 'dev', entry.device, 'dst', entry.destination, 'self'];
    const { data, attrs } = fdbMessage(entry, await this.indexOf(entry.device, words));
    await this.call(words, () => this.socket.delNeighbor(data, attrs, this.options()));
  }

  /** Interface addresses; see {@link NetlinkPort.listAddresses}. */
  async listAddresses(): Promise<KernelAddress[]> {
    const messages = await this.call(['address', 'show'], () => this.socket.getAddresses(undefined, undefined, this.options()));
    if (messages.some((message) => !this.nameByIndex.has(message.data.index ?? 0))) await this.listLinks();
    return messages.flatMap((message) => kernelAddress(message, (index) => this.nameByIndex.get(index)) ?? []);
  }

  /** Closes the socket. */
  async close(): Promise<void> {
    this.socket.socket.close();
  }

  private async writeRoute(verb: 'add' | 'replace', route: RouteSpec, flags: number): Promise<void> {
    const words = ['route', verb, ...describeRoute(route)];
    const index = route.device === undefined ? undefined : await this.indexOf(route.device, words);
    const { data, attrs } = routeMessage(route, index);
    await this.call(words, () => this.socket.newRoute(data, attrs, this.options(flags)));
  }

  private async indexOf(device: string, words: readonly string[]): Promise<number> {
    const known = this.indexByName.get(device);
    if (known !== undefined) return known;
    const link = await this.getLink(device);
    if (link === undefined) throw new NetlinkError(words, 'ENODEV');
    return link.index;
  }

  private remember(link: KernelLink): void {
    this.indexByName.set(link.name, link.index);
    this.nameByIndex.set(link.index, link.name);
  }

  private options(flags = 0): { flags: number; timeout: number } {
    return { flags, timeout: this.timeoutMs };
  }

  /** Runs one request; a refusal becomes a {@link NetlinkError} carrying the errno name. */
  private async call<T>(words: readonly string[], request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = /Request rejected: (\S+)/.exec(message)?.[1] ?? message;
      throw new NetlinkError(words, code);
    }
  }
}

function describeRoute(route: RouteSpec): string[] {
  const words = [route.destination];
  if (route.gateway !== undefined) words.push('via', route.gateway);
  if (route.device !== undefined) words.push('dev', route.device);
  if (route.onlink === true) words.push('onlink');
  words.push('table', String(route.table), 'proto', String(route.protocol));
  if (route.metric !== undefined) words.push('metric', String(route.metric));
  return words;
}

function describeChange(change: LinkChange): string[] {
  const words: string[] = [];
  if (change.mtu !== undefined) words.push('mtu', String(change.mtu));
  if (change.up !== undefined) words.push(change.up ? 'up' : 'down');
  if (change.alias !== undefined) words.push('alias', change.alias);
  if (change.tunnel !== undefined) {
    words.push('type', change.tunnel.kind, 'local', change.tunnel.local);
    if (change.tunnel.remote !== undefined) words.push('remote', change.tunnel.remote);
  }
  return words;
}
