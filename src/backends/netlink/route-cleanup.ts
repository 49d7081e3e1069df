import type { NetlinkPort } from '../../core/ports/netlink.js';
import type { EgressMasqueradeTable } from './egress-masquerade.js';
import { OperationBatch } from './operation-batch.js';
import type { RouteOwnership } from './route-specs.js';
import { canonicalCidr } from './rtnetlink/ip-bytes.js';
import { isOwnedTunnelLink, TUNNEL_NAME_PREFIX } from './tunnel-links.js';

/**
 * Removes what the route backend owns, found in the kernel rather than remembered (so a
 * restarted agent cleans up after its predecessor): routes of its protocol in its table,
 * tunnel links named `tun-` that carry its alias or that it recorded making, and its
 * masquerade table. Routes of other protocols and other links are never touched. Every
 * request is tried; failures are thrown together at the end.
 */
export async function removeOwnedState(
  port: NetlinkPort,
  masquerade: EgressMasqueradeTable,
  ownership: RouteOwnership,
  ownedLinks: Set<string>,
  concurrency: number,
): Promise<void> {
  const batch = new OperationBatch(concurrency);
  const routes = await port.listRoutes({ table: ownership.table, protocol: ownership.protocol });
  await batch.forEach(routes, async (route) => {
    await port.deleteRoute({
      family: route.family,
      destination: canonicalCidr(route.destination),
      table: route.table,
      protocol: ownership.protocol,
      metric: route.metric,
    });
  });
  const links = (await port.listLinks()).filter((link) =>
    link.name.startsWith(TUNNEL_NAME_PREFIX) && (isOwnedTunnelLink(link) || ownedLinks.has(link.name)));
  await batch.forEach(links, async (link) => {
    await port.deleteLink(link.name);
    ownedLinks.delete(link.name);
  });
  await batch.attempt(() => masquerade.remove());
  batch.throwIfFailed();
}
