import type { CidrKey } from './cidr-keys.js';
import { OrderedIndex } from './ordered-index.js';

interface Counted {
  readonly text: string;
  count: number;
}

/**
 * A counted multiset of CIDRs, listed distinct and in {@link CidrKey.sortKey} order: the pod
 * egress masquerade's exceptions, to which every node adds its InternalIPs (and, without
 * cluster CIDRs, its pod CIDRs). Two nodes may add the same entry (a shared address, a
 * duplicated pod CIDR), so an entry leaves the list only when its last contributor goes.
 *
 * {@link CountedCidrs.version} changes exactly when the distinct list does, so the planner
 * rebuilds the masquerade fragment (one copy of the list) only then, and a node update that
 * moves nothing in the list costs no copy at all.
 */
export class CountedCidrs {
  private readonly entries = new OrderedIndex<Counted>();
  private listVersion = 0;

  /** Changes whenever the distinct list changes. */
  get version(): number {
    return this.listVersion;
  }

  add(cidr: CidrKey): void {
    const entry = this.entries.get(cidr.sortKey);
    if (entry !== undefined) {
      entry.count++;
      return;
    }
    this.entries.set(cidr.sortKey, { text: cidr.text, count: 1 });
    this.listVersion++;
  }

  remove(cidr: CidrKey): void {
    const entry = this.entries.get(cidr.sortKey);
    if (entry === undefined) return;
    if (--entry.count > 0) return;
    this.entries.delete(cidr.sortKey);
    this.listVersion++;
  }

  /** The distinct CIDRs, in sort-key order (numeric, IPv4 first, then by prefix length). */
  list(): string[] {
    return this.entries.mapInOrder((entry) => entry.text);
  }

  /** Empties the multiset (a bulk load follows). */
  clear(): void {
    this.entries.clear();
    this.listVersion++;
  }
}
