import ipaddr from 'ipaddr.js';
import type { Pod } from '../../model/index.js';
import { SortedTable } from '../../store/sorted-table.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { addressKey } from '../common/addresses.js';
import { isPolicyPod } from './policy-pods.js';

const SEPARATOR = '\u0000';

/**
 * The cluster's policy pods sorted by IP, for range queries: "which pods have an address in
 * this CIDR" is a scan of one key range, not a test of every pod against every ipBlock. Used to
 * resolve egress named ports on pods inside ipBlocks. Kept up to date by the firewall planner
 * from pod changes once built.
 */
export class PodAddressIndex {
  private readonly table = new SortedTable<Pod>();

  /** Indexes every policy pod of `snapshot`. */
  constructor(snapshot: ClusterSnapshot) {
    for (const pod of snapshot.pods()) this.add(pod);
  }

  /** Replaces `before` by `after` (either may be undefined). */
  update(before: Pod | undefined, after: Pod | undefined): void {
    if (before !== undefined) this.remove(before);
    if (after !== undefined) this.add(after);
  }

  /** The pods with an address inside `cidr`, each once, in address order. */
  podsIn(cidr: string): Pod[] {
    const range = cidrRange(cidr);
    if (range === undefined) return [];
    const found = new Map<string, Pod>();
    this.table.view().forEachInRange(range.from, range.to, (_key, pod) => {
      found.set(pod.key, pod);
    });
    return [...found.values()];
  }

  private add(pod: Pod): void {
    if (!isPolicyPod(pod)) return;
    for (const ip of new Set(pod.podIPs)) this.table.set(`${addressKey(ip)}${SEPARATOR}${pod.key}`, pod);
  }

  private remove(pod: Pod): void {
    for (const ip of new Set(pod.podIPs)) this.table.delete(`${addressKey(ip)}${SEPARATOR}${pod.key}`);
  }
}

/** The index keys bounding `cidr`: its network address and its last address, as sort keys. */
function cidrRange(cidr: string): { from: string; to: string } | undefined {
  if (!ipaddr.isValidCIDR(cidr)) return undefined;
  const isV4 = !cidr.includes(':');
  const first = isV4 ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  const last = isV4 ? ipaddr.IPv4.broadcastAddressFromCIDR(cidr) : ipaddr.IPv6.broadcastAddressFromCIDR(cidr);
  // Keys are `addressKey SEPARATOR podKey`: every key of the last address sorts before this bound.
  return { from: addressKey(first.toString()), to: `${addressKey(last.toString())}${SEPARATOR}\uffff` };
}
