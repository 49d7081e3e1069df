import type { IPFamily } from '../../model/index.js';

/** The underlay address of one family that a node is reached at, and its tunnel's name. */
export interface UnderlayAddress {
  readonly family: IPFamily;
  readonly address: string;
  /** The address as fixed-width hex (see `addressHex`), for subnet tests. */
  readonly hex: string;
  /** The tunnel device name this address gets (see `tunnelName`). */
  readonly tunnel: string;
}

/**
 * The ownership index of tunnel names: tunnel name → the nodes whose underlay address maps to
 * it, every node of the cluster included (this node too).
 *
 * Two nodes with the same InternalIP map to the same name, and so, with odds of about one in
 * 700 million at 10,000 addresses, do two addresses whose hashes collide. Either way no route
 * or tunnel may use the name: a route via a shared address would reach whichever node
 * answers, and one tunnel device cannot lead to two nodes. So the planner asks
 * {@link NodeAddressClaims.soleOwnerNode} and skips the rest.
 */
export class NodeAddressClaims {
  private readonly owners = new Map<string, Set<string>>();

  /** Records that `node` is reached at `address`. */
  add(node: string, address: UnderlayAddress): void {
    let nodes = this.owners.get(address.tunnel);
    if (nodes === undefined) {
      nodes = new Set();
      this.owners.set(address.tunnel, nodes);
    }
    nodes.add(node);
  }

  /** Records that `node` is no longer reached at `address`. */
  remove(node: string, address: UnderlayAddress): void {
    const nodes = this.owners.get(address.tunnel);
    if (nodes === undefined) return;
    nodes.delete(node);
    if (nodes.size === 0) this.owners.delete(address.tunnel);
  }

  /** The node holding `tunnel`, when exactly one does. */
  soleOwnerNode(tunnel: string): string | undefined {
    const nodes = this.owners.get(tunnel);
    if (nodes === undefined || nodes.size !== 1) return undefined;
    for (const node of nodes) return node;
    return undefined;
  }

  /** Every node holding `tunnel`. */
  nodesOf(tunnel: string): Iterable<string> {
    return this.owners.get(tunnel) ?? [];
  }

  clear(): void {
    this.owners.clear();
  }
}
