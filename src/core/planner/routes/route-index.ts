import type { Node } from '../../model/index.js';
import type { CidrKey } from './cidr-keys.js';
import { CountedCidrs } from './counted-cidrs.js';
import { NodeAddressClaims } from './node-address-claims.js';
import { routingOf, type NodeRouting } from './node-routing.js';
import { PodCidrClaims } from './pod-cidr-claims.js';

/** One node as the indexes hold it: the node and what the planner reads of it. */
export interface IndexedNode extends NodeRouting {
  readonly node: Node;
}

/** The route fragments a change can affect: what the planner replans. */
export interface DirtyRouteKeys {
  /** Everything: this node changed, or a full plan. */
  all: boolean;
  /** Route fragments, by destination text. */
  readonly destinations: Map<string, CidrKey>;
  /** Tunnel fragments, by name. */
  readonly tunnels: Set<string>;
}

/** No dirty key yet. */
export function noDirtyKeys(): DirtyRouteKeys {
  return { all: false, destinations: new Map(), tunnels: new Set() };
}

/**
 * The route planner's fragment index: every node as the planner last read it, and the
 * ownership indexes derived from them (pod CIDR → nodes, tunnel name → nodes, the counted
 * masquerade exceptions). {@link RouteIndex.update} keeps them in step with one node and says
 * which fragments that can change; nothing here is O(nodes) per change.
 */
export class RouteIndex {
  private readonly indexed = new Map<string, IndexedNode>();
  readonly podCidrs = new PodCidrClaims();
  readonly addresses = new NodeAddressClaims();
  readonly exceptions = new CountedCidrs();

  /**
   * @param localName the node the plans are for
   * @param clusterCIDRs the configured cluster CIDRs: permanent masquerade exceptions, which
   *   replace the nodes' pod CIDRs there when any are given
   */
  constructor(
    private readonly localName: string,
    private readonly clusterCIDRs: readonly CidrKey[],
  ) {
    this.rebuild([]);
  }

  /** This node as last read, if it exists. */
  get local(): IndexedNode | undefined {
    return this.indexed.get(this.localName);
  }

  /** Node `name` as last read. */
  node(name: string): IndexedNode | undefined {
    return this.indexed.get(name);
  }

  /**
   * Rebuilds every index from `nodes` in one bulk load (sorted once). A node object seen
   * before keeps its record, so a full plan over an unchanged cluster reads no address again.
   */
  rebuild(nodes: readonly Node[]): void {
    const previous = new Map(this.indexed);
    this.indexed.clear();
    this.podCidrs.clear();
    this.addresses.clear();
    this.exceptions.clear();
    for (const cidr of this.clusterCIDRs) this.exceptions.add(cidr);
    for (const node of nodes) {
      const known = previous.get(node.name);
      this.insert(known?.node === node ? known : this.recordOf(node));
    }
  }

  /**
   * Brings node `name` to `next` (undefined: deleted) and marks in `dirty` every fragment that
   * can differ: for this node, everything (its addresses decide families, subnets and tunnel
   * ends); for another, the routes of its old and new pod CIDRs and of every CIDR overlapping
   * them, the routes of nodes sharing its old or new addresses, and its old and new tunnels.
   * The masquerade fragment follows {@link CountedCidrs.version}. An update that changes
   * nothing the planner reads (labels, unschedulable, ExternalIPs) marks nothing.
   */
  update(name: string, next: Node | undefined, dirty: DirtyRouteKeys): void {
    const previous = this.indexed.get(name);
    if (previous === undefined && next === undefined) return;
    if (previous !== undefined && next !== undefined && sameRoutingInput(previous.node, next)) {
      this.indexed.set(name, { ...previous, node: next });
      return;
    }
    const isLocal = name === this.localName;
    if (isLocal) dirty.all = true;
    if (previous !== undefined) {
      if (!isLocal) this.markAround(previous, dirty);
      this.remove(previous);
    }
    if (next !== undefined) {
      const record = this.recordOf(next);
      this.insert(record);
      if (!isLocal) this.markAround(record, dirty);
    }
  }

  private markAround(record: IndexedNode, dirty: DirtyRouteKeys): void {
    for (const cidr of record.podCidrs) {
      dirty.destinations.set(cidr.text, cidr);
      for (const claim of this.podCidrs.overlapping(cidr)) dirty.destinations.set(claim.cidr.text, claim.cidr);
    }
    for (const address of record.addresses) {
      dirty.tunnels.add(address.tunnel);
      for (const sharer of this.addresses.nodesOf(address.tunnel)) {
        if (sharer === record.node.name) continue;
        for (const cidr of this.indexed.get(sharer)?.podCidrs ?? []) dirty.destinations.set(cidr.text, cidr);
      }
    }
  }

  private insert(record: IndexedNode): void {
    const name = record.node.name;
    this.indexed.set(name, record);
    for (const cidr of record.podCidrs) this.podCidrs.add(cidr, name);
    for (const address of record.addresses) this.addresses.add(name, address);
    if (this.clusterCIDRs.length === 0) for (const cidr of record.podCidrs) this.exceptions.add(cidr);
    for (const cidr of record.hostCidrs) this.exceptions.add(cidr);
  }

  private remove(record: IndexedNode): void {
    const name = record.node.name;
    this.indexed.delete(name);
    for (const cidr of record.podCidrs) this.podCidrs.remove(cidr, name);
    for (const address of record.addresses) this.addresses.remove(name, address);
    if (this.clusterCIDRs.length === 0) for (const cidr of record.podCidrs) this.exceptions.remove(cidr);
    for (const cidr of record.hostCidrs) this.exceptions.remove(cidr);
  }

  private recordOf(node: Node): IndexedNode {
    return { ...routingOf(node), node };
  }
}

/** True when `a` and `b` agree on everything the route planner reads. */
function sameRoutingInput(a: Node, b: Node): boolean {
  return a === b || (sameList(a.podCIDRs, b.podCIDRs) && sameList(a.internalIPs, b.internalIPs));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
