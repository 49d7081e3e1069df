import type { IPFamily } from '../../model/index.js';
import { cidrContainsHex, sortKeyPrefixWithin, supernetSortKey, type CidrKey } from './cidr-keys.js';
import { OrderedIndex } from './ordered-index.js';

/** One pod CIDR and the nodes whose `podCIDRs` hold it. */
export interface PodCidrClaim {
  readonly cidr: CidrKey;
  /** Node names; more than one means the CIDR is claimed twice and routed to by nobody. */
  readonly owners: ReadonlySet<string>;
  /** The owner when there is exactly one. */
  readonly soleOwner: string | undefined;
}

interface MutableClaim {
  readonly cidr: CidrKey;
  readonly owners: Set<string>;
  soleOwner: string | undefined;
}

/**
 * The ownership index of pod CIDRs: destination CIDR → the nodes claiming it, every node of
 * the cluster included (this node's own CIDRs too, since a remote node claiming one of them
 * must not be routed to either).
 *
 * Route fragments are keyed by destination, so a CIDR two nodes claim cannot be routed to
 * either, and neither can two CIDRs that overlap (10.1.0.0/16 and 10.1.1.0/24): whichever the
 * route went to, the other node's pods would be misrouted. {@link PodCidrClaims.overlapping}
 * finds those conflicts without a scan of the cluster: CIDRs are either nested or disjoint, so
 * the claims overlapping X are those inside X (a range scan of the sorted keys) and those
 * containing X (one lookup per shorter prefix length that some claim actually has: with every
 * pod CIDR a /24, none).
 */
export class PodCidrClaims {
  private readonly claims = new OrderedIndex<MutableClaim>();
  /** Distinct claimed CIDRs per family and prefix length, to skip impossible supernets. */
  private readonly prefixCounts: Record<IPFamily, number[]> = { IPv4: zeros(33), IPv6: zeros(129) };

  /** Records that `node` claims `cidr`. */
  add(cidr: CidrKey, node: string): void {
    const claim = this.claims.get(cidr.sortKey);
    if (claim === undefined) {
      this.claims.set(cidr.sortKey, { cidr, owners: new Set([node]), soleOwner: node });
      this.prefixCounts[cidr.family][cidr.prefix]! += 1;
      return;
    }
    claim.owners.add(node);
    claim.soleOwner = soleOf(claim.owners);
  }

  /** Records that `node` no longer claims `cidr`. */
  remove(cidr: CidrKey, node: string): void {
    const claim = this.claims.get(cidr.sortKey);
    if (claim === undefined || !claim.owners.delete(node)) return;
    if (claim.owners.size > 0) {
      claim.soleOwner = soleOf(claim.owners);
      return;
    }
    this.claims.delete(cidr.sortKey);
    this.prefixCounts[cidr.family][cidr.prefix]! -= 1;
  }

  /** The claim of exactly `cidr`, if any node claims it. */
  get(cidr: CidrKey): PodCidrClaim | undefined {
    return this.claims.get(cidr.sortKey);
  }

  /** Every claim, in no particular order. */
  all(): IterableIterator<PodCidrClaim> {
    return this.claims.values();
  }

  /** The claims of other CIDRs that overlap `cidr` (contain it or lie inside it). */
  overlapping(cidr: CidrKey): PodCidrClaim[] {
    const found = new Set<PodCidrClaim>();
    this.visitOverlapping(cidr, (claim) => {
      found.add(claim);
      return false;
    });
    return [...found];
  }

  /** True when another claimed CIDR overlaps `cidr`: {@link overlapping}, stopping at the first. */
  hasOverlap(cidr: CidrKey): boolean {
    return this.visitOverlapping(cidr, () => true);
  }

  /** Forgets every claim (a bulk load follows). */
  clear(): void {
    this.claims.clear();
    this.prefixCounts.IPv4.fill(0);
    this.prefixCounts.IPv6.fill(0);
  }

  /** Calls `visit` on each overlapping claim (a container may come twice) until it returns true. */
  private visitOverlapping(cidr: CidrKey, visit: (claim: PodCidrClaim) => boolean): boolean {
    const inside = this.claims.someWithPrefix(
      sortKeyPrefixWithin(cidr),
      (key, claim) => key !== cidr.sortKey && cidrContainsHex(cidr, claim.cidr.hex) && visit(claim),
    );
    if (inside) return true;
    const counts = this.prefixCounts[cidr.family];
    for (let prefix = 0; prefix < cidr.prefix; prefix++) {
      if (counts[prefix] === 0) continue;
      const container = this.claims.get(supernetSortKey(cidr, prefix));
      if (container !== undefined && visit(container)) return true;
    }
    return false;
  }
}

function soleOf(owners: ReadonlySet<string>): string | undefined {
  if (owners.size !== 1) return undefined;
  for (const owner of owners) return owner;
  return undefined;
}

function zeros(length: number): number[] {
  return new Array<number>(length).fill(0);
}
