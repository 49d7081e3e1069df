import { ipFamilyOf } from '../../model/ip-family.js';
import type { IPFamily, Node } from '../../model/index.js';
import type { PodSubnetRoute } from '../../plan/index.js';
import { compareCidrs, compareText} from '../common/addresses.js';

/** The first InternalIP of `family` a node reports (the API's order decides which is first). */
export function internalAddressOf(node: Node, family: IPFamily): string | undefined {
  return node.internalIPs.find((address) => ipFamilyOf(address) === family);
}

/**
 * Direct routes from `local` to every other node's pod CIDRs: one route per pod CIDR, via
 * that node's InternalIP of the CIDR's family.
 *
 * "Shares a subnet" is not checked: the model has no underlay masks, and kube-router's
 * direct routing does the same thing (it installs the route via the node address and leaves
 * an unreachable gateway to the kernel, which refuses the route). A route is planned only when
 * both nodes have an InternalIP of the CIDR's family, since a gateway of one family cannot
 * carry the other.
 *
 * Skipped without error: the local node itself, nodes with no pod CIDR yet (normal while the
 * controller manager has not allocated one), CIDRs of a family either node has no address of,
 * and CIDRs that do not parse.
 *
 * Not yet: overlay (`tunnel` routes across subnets, VXLAN/IPIP), BGP-learned routes.
 *
 * @returns routes sorted by destination (numerically, IPv4 first), then by node name.
 */
export function planPodSubnetRoutes(local: Node, nodes: readonly Node[]): PodSubnetRoute[] {
  const routes: PodSubnetRoute[] = [];
  for (const remote of nodes) {
    if (remote.name === local.name) continue;
    for (const destination of remote.podCIDRs) {
      const family = ipFamilyOf(destination);
      if (internalAddressOf(local, family) === undefined) continue;
      const gateway = internalAddressOf(remote, family);
      if (gateway === undefined) continue;
      routes.push({ destination, family, node: remote.name, kind: 'direct', gateway });
    }
  }
  return routes.sort((a, b) => compareCidrs(a.destination, b.destination) || compareText(a.node, b.node));
}
