/**
 * What the IPVS proxy remembers having programmed: each virtual service with its real servers,
 * the service port that owns it, and the VIP it needs (counted in the {@link VipLedger}), so a
 * partial sync looks only at the service ports it rewrites.
 *
 * @module
 */
import type { RealServer, VirtualService } from '../../core/ports/ipvs.js';
import type { VipLedger } from './vip-ledger.js';

/** A virtual service as the backend programmed it. */
export interface ProgrammedService {
  /** The service as last written (or read back). */
  service: VirtualService;
  /** The service port key whose frontend it is. */
  readonly owner: string;
  /** The VIP it needs on the dummy interface (none for a NodePort on a node address). */
  readonly localAddress?: string | undefined;
  /** Its real servers by id, draining ones (weight 0) included. */
  readonly servers: Map<string, RealServer>;
}

/** The programmed virtual services by id and by owning service port; VIP users counted as they come and go. */
export class ProgrammedServices {
  private readonly byId = new Map<string, ProgrammedService>();
  private readonly byOwner = new Map<string, Set<string>>();

  /** @param vips counts the VIPs the remembered services need */
  constructor(private readonly vips: VipLedger) {}

  /** How many virtual services are remembered. */
  get size(): number {
    return this.byId.size;
  }

  /** The remembered virtual service `id`, if any. */
  get(id: string): ProgrammedService | undefined {
    return this.byId.get(id);
  }

  /** Whether virtual service `id` is remembered. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** The ids of every remembered virtual service (a copy: safe to delete while walking it). */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** The service port keys that own a remembered virtual service. */
  owners(): string[] {
    return [...this.byOwner.keys()];
  }

  /** The ids of the virtual services service port `key` owns (a copy). */
  ownedBy(key: string): string[] {
    return [...(this.byOwner.get(key) ?? [])];
  }

  /** Real servers over every remembered virtual service. */
  serverCount(): number {
    let count = 0;
    for (const entry of this.byId.values()) count += entry.servers.size;
    return count;
  }

  /** Remembers `entry` as virtual service `id`, in place of what was remembered before. */
  remember(id: string, entry: ProgrammedService): void {
    this.forget(id);
    this.byId.set(id, entry);
    let owned = this.byOwner.get(entry.owner);
    if (owned === undefined) this.byOwner.set(entry.owner, (owned = new Set()));
    owned.add(id);
    if (entry.localAddress !== undefined) this.vips.count(entry.localAddress, 1);
  }

  /** Forgets virtual service `id` (the kernel is not touched). */
  forget(id: string): void {
    const entry = this.byId.get(id);
    if (entry === undefined) return;
    this.byId.delete(id);
    const owned = this.byOwner.get(entry.owner);
    owned?.delete(id);
    if (owned?.size === 0) this.byOwner.delete(entry.owner);
    if (entry.localAddress !== undefined) this.vips.count(entry.localAddress, -1);
  }
}
