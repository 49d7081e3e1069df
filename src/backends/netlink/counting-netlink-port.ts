import type {
  FdbSpec,
  KernelAddress,
  KernelLink,
  KernelNeighbour,
  KernelRoute,
  LinkChange,
  LinkSpec,
  NeighbourSpec,
  NetlinkPort,
  RouteFilter,
  RouteSelector,
  RouteSpec,
} from '../../core/ports/netlink.js';

/**
 * A {@link NetlinkPort} that counts the requests made through it (reads and writes, a dump
 * counting as one): how the backend reports what a sync cost the kernel, for tests and
 * benchmarks. A change of tunnel endpoints together with other fields counts as two requests,
 * as the real port sends it.
 */
export class CountingNetlinkPort implements NetlinkPort {
  /** Requests that read (listings, lookups). */
  reads = 0;
  /** Requests that change the kernel. */
  writes = 0;

  /** @param inner the port that does the work */
  constructor(private readonly inner: NetlinkPort) {}

  /** Every request so far. */
  get requests(): number {
    return this.reads + this.writes;
  }

  /** Starts counting from zero. */
  reset(): void {
    this.reads = 0;
    this.writes = 0;
  }

  /** See {@link NetlinkPort.listLinks}. */
  listLinks(): Promise<KernelLink[]> {
    this.reads++;
    return this.inner.listLinks();
  }

  /** See {@link NetlinkPort.getLink}. */
  getLink(name: string): Promise<KernelLink | undefined> {
    this.reads++;
    return this.inner.getLink(name);
  }

  /** See {@link NetlinkPort.addLink}. */
  addLink(spec: LinkSpec): Promise<KernelLink> {
    this.writes++;
    return this.inner.addLink(spec);
  }

  /** See {@link NetlinkPort.changeLink}. */
  changeLink(name: string, change: LinkChange): Promise<void> {
    const { tunnel, ...rest } = change;
    this.writes += tunnel !== undefined && Object.values(rest).some((value) => value !== undefined) ? 2 : 1;
    return this.inner.changeLink(name, change);
  }

  /** See {@link NetlinkPort.deleteLink}. */
  deleteLink(name: string): Promise<void> {
    this.writes++;
    return this.inner.deleteLink(name);
  }

  /** See {@link NetlinkPort.listRoutes}; a listing of both families is two dumps. */
  listRoutes(filter?: RouteFilter): Promise<KernelRoute[]> {
    this.reads += filter?.family === undefined ? 2 : 1;
    return this.inner.listRoutes(filter);
  }

  /** See {@link NetlinkPort.addRoute}. */
  addRoute(route: RouteSpec): Promise<void> {
    this.writes++;
    return this.inner.addRoute(route);
  }

  /** See {@link NetlinkPort.replaceRoute}. */
  replaceRoute(route: RouteSpec): Promise<void> {
    this.writes++;
    return this.inner.replaceRoute(route);
  }

  /** See {@link NetlinkPort.deleteRoute}. */
  deleteRoute(selector: RouteSelector): Promise<void> {
    this.writes++;
    return this.inner.deleteRoute(selector);
  }

  /** See {@link NetlinkPort.listNeighbours}. */
  listNeighbours(device?: string): Promise<KernelNeighbour[]> {
    this.reads++;
    return this.inner.listNeighbours(device);
  }

  /** See {@link NetlinkPort.replaceNeighbour}. */
  replaceNeighbour(neighbour: NeighbourSpec): Promise<void> {
    this.writes++;
    return this.inner.replaceNeighbour(neighbour);
  }

  /** See {@link NetlinkPort.deleteNeighbour}. */
  deleteNeighbour(neighbour: Omit<NeighbourSpec, 'lladdr'>): Promise<void> {
    this.writes++;
    return this.inner.deleteNeighbour(neighbour);
  }

  /** See {@link NetlinkPort.listFdb}. */
  listFdb(device?: string): Promise<FdbSpec[]> {
    this.reads++;
    return this.inner.listFdb(device);
  }

  /** See {@link NetlinkPort.replaceFdb}. */
  replaceFdb(entry: FdbSpec): Promise<void> {
    this.writes++;
    return this.inner.replaceFdb(entry);
  }

  /** See {@link NetlinkPort.deleteFdb}. */
  deleteFdb(entry: FdbSpec): Promise<void> {
    this.writes++;
    return this.inner.deleteFdb(entry);
  }

  /** See {@link NetlinkPort.listAddresses}. */
  listAddresses(): Promise<KernelAddress[]> {
    this.reads++;
    return this.inner.listAddresses();
  }

  /** Closes the inner port; not counted. */
  close(): Promise<void> {
    return this.inner.close();
  }
}
