import { BackendError } from '../../core/errors.js';
import { isNetlinkError, type LinkSpec, type NetlinkPort, type RouteSelector, type RouteSpec } from '../../core/ports/netlink.js';
import { sameSlot, type RouteOwnership } from './route-specs.js';
import { isOwnedTunnelLink, linkRepair, OWNED_LINK_ALIAS, type LinkState, type VxlanPeer } from './tunnel-links.js';

/**
 * The kernel writes of the route backend, each idempotent so that a sync that failed half way
 * can simply be run again: adding a route that is already there as ours replaces it, deleting
 * one that is gone is fine, creating a link that exists as ours repairs it.
 *
 * Ownership is checked where the kernel cannot do it: a route add that finds the slot taken by
 * another protocol's route, or a link name taken by a link that is not ours, fails with a
 * `BackendError` and leaves that route or link alone. Deletes carry the protocol, so the kernel
 * itself refuses to delete anyone else's route.
 */
export class RouteKernelWriter {
  /**
   * @param port where requests go
   * @param ownership protocol and table of the backend's routes
   * @param ownedLinks names of the links the backend made or adopted; kept up to date
   */
  constructor(
    private readonly port: NetlinkPort,
    private readonly ownership: RouteOwnership,
    readonly ownedLinks: Set<string>,
  ) {}

  /** Adds `spec`; a slot already holding our route is replaced, anyone else's is left alone. */
  async addRoute(spec: RouteSpec): Promise<void> {
    try {
      await this.port.addRoute(spec);
    } catch (error) {
      if (!isNetlinkError(error, 'EEXIST')) throw error;
      const occupant = (await this.port.listRoutes({ family: spec.family, table: spec.table })).find((route) => sameSlot(route, spec));
      if (occupant !== undefined && occupant.protocol !== this.ownership.protocol) throw routeInTheWay(spec.destination, occupant.protocol);
      await this.port.replaceRoute(spec);
    }
  }

  /** Replaces our route in its slot (the slot held ours when last seen). */
  async replaceRoute(spec: RouteSpec): Promise<void> {
    await this.port.replaceRoute(spec);
  }

  /** Deletes our route, if it is still there. */
  async deleteRoute(selector: RouteSelector): Promise<void> {
    await this.quietly(() => this.port.deleteRoute(selector), 'ESRCH', 'ENOENT');
  }

  /**
   * Creates the link `spec` and marks it ours. A link of that name that is ours already is
   * repaired instead; one that is not ours is an error.
   * @returns true when a link was created (so nothing of the old one, routes or entries, is left)
   */
  async createLink(spec: LinkSpec): Promise<boolean> {
    try {
      await this.port.addLink(spec);
    } catch (error) {
      if (!isNetlinkError(error, 'EEXIST')) throw error;
      const existing = await this.port.getLink(spec.name);
      if (existing === undefined || !(isOwnedTunnelLink(existing) || this.ownedLinks.has(spec.name))) {
        throw new BackendError('netlink', ['link', 'add', spec.name], undefined, '', `a link named ${spec.name} exists and is not ours`);
      }
      this.ownedLinks.add(spec.name);
      return this.repairLink(spec, existing);
    }
    this.ownedLinks.add(spec.name);
    // The kernel ignores IFLA_IFALIAS when it creates a link, so the mark is a second request.
    await this.port.changeLink(spec.name, { alias: OWNED_LINK_ALIAS });
    return true;
  }

  /**
   * Turns the link in state `current` into `spec`: in place when the kernel allows, by deleting
   * and creating it otherwise (which drops its routes and entries).
   * @returns true when the link was created anew
   */
  async repairLink(spec: LinkSpec, current: LinkState): Promise<boolean> {
    const repair = linkRepair(current, spec);
    if (repair.recreate) {
      await this.deleteLink(spec.name);
      return this.createLink(spec);
    }
    if (repair.change !== undefined) await this.port.changeLink(spec.name, repair.change);
    return false;
  }

  /** Deletes a link of ours (and with it its routes and entries), if it is still there. */
  async deleteLink(name: string): Promise<void> {
    await this.quietly(() => this.port.deleteLink(name), 'ENODEV');
    this.ownedLinks.delete(name);
  }

  /** Adds (or fixes) the neighbour and forwarding entry of one VXLAN peer. */
  async addVxlanPeer(peer: VxlanPeer): Promise<void> {
    await this.port.replaceFdb(peer.fdb);
    await this.port.replaceNeighbour(peer.neighbour);
  }

  /** Deletes the neighbour and forwarding entry of one VXLAN peer, if they are still there. */
  async removeVxlanPeer(peer: VxlanPeer): Promise<void> {
    await this.quietly(() => this.port.deleteNeighbour(peer.neighbour), 'ENOENT', 'ESRCH', 'ENODEV');
    await this.quietly(() => this.port.deleteFdb(peer.fdb), 'ENOENT', 'ESRCH', 'ENODEV');
  }

  private async quietly(request: () => Promise<void>, ...codes: string[]): Promise<void> {
    try {
      await request();
    } catch (error) {
      if (!isNetlinkError(error, ...codes)) throw error;
    }
  }
}

/** The error for another protocol's route sitting where the plan wants ours. */
export function routeInTheWay(destination: string, protocol: number): BackendError {
  return new BackendError(
    'netlink',
    ['route', 'add', destination],
    undefined,
    '',
    `a route to ${destination} of protocol ${protocol} is in the way; it is not ours, so it stays`,
  );
}
