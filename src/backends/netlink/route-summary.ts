import type { RoutePlan } from '../../core/plan/route-plan.js';
import type { KernelOperations } from './netlink-route-backend.js';
import type { RouteOwnership } from './route-specs.js';

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * The `describe()` lines of the route backend: routes by kind, tunnels, the masquerade, where
 * routes are owned, and the last sync's kernel operations. Walks the plan's entries (not its
 * cached value arrays), so describing never changes the plan object it describes.
 */
export function summariseRoutePlan(
  plan: RoutePlan,
  ownership: RouteOwnership,
  masqueradeTable: string,
  operations: KernelOperations,
): string[] {
  let tunnelRoutes = 0;
  for (const [, route] of plan.routes.entries()) if (route.kind === 'tunnel') tunnelRoutes++;
  const lines = [
    `${count(plan.routes.size, 'route')} (${plan.routes.size - tunnelRoutes} direct, ${tunnelRoutes} tunnel), ${count(plan.tunnels.size, 'tunnel')}`,
    `routes marked proto ${ownership.protocol} in table ${ownership.table}`,
  ];
  if (plan.masquerade) {
    lines.push(`masquerade: ${count(plan.masquerade.sources.length, 'source CIDR')} (nftables table inet ${masqueradeTable})`);
  }
  if (plan.bgp) lines.push('bgp: kept, not programmed (a BGP daemon backend programs it)');
  lines.push(
    `last sync: ${count(operations.total, 'kernel operation')} (${operations.netlinkReads} netlink reads, `
      + `${operations.netlinkWrites} netlink writes, ${operations.nftTransactions} nft transactions)`,
  );
  return lines;
}
