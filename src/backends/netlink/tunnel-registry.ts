import type { IPFamily } from '../../core/model/index.js';
import type { LinkSpec } from '../../core/ports/netlink.js';

/**
 * What the backend remembers of the links it keeps: the names of the links it made or adopted,
 * and, per family, the shared VXLAN device it made and the tunnels going through it (so the
 * device goes when its last tunnel does, without scanning the plan).
 */
export class TunnelRegistry {
  /** Names of the links the backend made or adopted. */
  readonly ownedLinks = new Set<string>();
  private readonly vxlanDevices = new Map<IPFamily, LinkSpec>();
  private readonly vxlanMembers = new Map<IPFamily, Set<string>>();

  /** The shared VXLAN device of `family`, as programmed, if there is one. */
  vxlanDevice(family: IPFamily): LinkSpec | undefined {
    return this.vxlanDevices.get(family);
  }

  /** Records the shared VXLAN device of `family` as programmed. */
  setVxlanDevice(family: IPFamily, spec: LinkSpec): void {
    this.vxlanDevices.set(family, spec);
  }

  /** Records that tunnel `name` goes through the shared device of `family`. */
  joinVxlan(family: IPFamily, name: string): void {
    let members = this.vxlanMembers.get(family);
    if (members === undefined) this.vxlanMembers.set(family, (members = new Set()));
    members.add(name);
  }

  /**
   * Records that tunnel `name` no longer goes through the shared device of `family`.
   * @returns true when it was the last one (the device can go)
   */
  leaveVxlan(family: IPFamily, name: string): boolean {
    const members = this.vxlanMembers.get(family);
    members?.delete(name);
    if (members !== undefined && members.size > 0) return false;
    this.vxlanMembers.delete(family);
    this.vxlanDevices.delete(family);
    return true;
  }

  /** Forgets the VXLAN bookkeeping (before rebuilding it from a kernel read). */
  resetVxlan(): void {
    this.vxlanDevices.clear();
    this.vxlanMembers.clear();
  }
}
