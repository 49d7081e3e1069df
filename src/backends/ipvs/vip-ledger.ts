/**
 * Which VIPs the dummy interface should hold, counted by the virtual services that need them,
 * so that a sync writes only the VIPs whose users changed (and never walks every service).
 *
 * @module
 */
import type { VipInterface } from './dummy-interface.js';

/** VIP users, what the link holds, and what changed since the last write. */
export class VipLedger {
  private onLink = new Set<string>();
  private readonly users = new Map<string, number>();
  private readonly dirty = new Set<string>();

  /** @param link where the VIPs go */
  constructor(private readonly link: VipInterface) {}

  /** How many VIPs the link holds (as last written or read). */
  get size(): number {
    return this.onLink.size;
  }

  /** One more (`+1`) or one fewer (`-1`) virtual service needs `address`. */
  count(address: string, change: number): void {
    const users = (this.users.get(address) ?? 0) + change;
    if (users > 0) this.users.set(address, users);
    else this.users.delete(address);
    this.dirty.add(address);
  }

  /** Replaces what the link holds with the kernel's listing; every VIP is looked at on the next write. */
  async readBack(): Promise<void> {
    this.onLink = new Set(await this.link.list());
    for (const address of [...this.onLink, ...this.users.keys()]) this.dirty.add(address);
  }

  /** Adds the VIPs needed and removes those none needs, in one step; only changed VIPs are looked at. */
  async write(): Promise<void> {
    const add: string[] = [];
    const remove: string[] = [];
    for (const address of this.dirty) {
      const wanted = this.users.has(address);
      if (wanted && !this.onLink.has(address)) add.push(address);
      if (!wanted && this.onLink.has(address)) remove.push(address);
    }
    await this.link.apply(add.sort(), remove.sort());
    for (const address of add) this.onLink.add(address);
    for (const address of remove) this.onLink.delete(address);
    this.dirty.clear();
  }

  /** Deletes the link and forgets everything. */
  async removeAll(): Promise<void> {
    await this.link.removeAll();
    this.onLink.clear();
    this.users.clear();
    this.dirty.clear();
  }
}
