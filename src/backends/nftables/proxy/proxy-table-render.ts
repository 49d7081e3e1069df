import type { ProxyPlan } from '../../../core/plan/proxy-plan.js';
import { renderServicePort } from './service-port-render.js';
import { tableSkeleton } from './table-skeleton.js';
import type { TableObject } from './table-objects.js';
import { deleteTableCommands, fullTableText } from './transaction-render.js';

export { PROXY_TABLE, servicePortId } from './proxy-names.js';

/** Every service port's objects of `plan`, in plan order (duplicates kept; the store counts them). */
export function planObjects(plan: ProxyPlan): TableObject[] {
  return plan.servicePorts.values().flatMap((port) => renderServicePort(port).objects);
}

function unique(objects: readonly TableObject[]): TableObject[] {
  const seen = new Map<string, TableObject>();
  for (const object of objects) {
    const id = object.kind === 'element' ? `e\0${object.container}\0${object.key}` : `${object.kind}\0${object.name}`;
    seen.set(id, object);
  }
  return [...seen.values()];
}

/**
 * The whole table for `plan`, as `nft -f` text: one `inet` table with per-family dispatch
 * verdict maps keyed by `daddr . l4proto . dport` (NodePorts by `l4proto . dport` on the NodePort
 * addresses), shared balancer chains that DNAT through `numgen random mod N` into endpoint maps
 * keyed by (frontend . slot), chains of a service port's own only for short circuits, source
 * ranges and affinity, a filter stage before DNAT and masquerade by mark plus hairpin.
 */
export function renderProxyTable(plan: ProxyPlan): string {
  return fullTableText(tableSkeleton(plan.settings), unique(planObjects(plan)));
}

/** Deletes the table if it exists, in one transaction. */
export function deleteProxyTable(): string {
  return deleteTableCommands();
}

/** One transaction that replaces the table with the one of `plan` (full syncs). */
export function replaceProxyTable(plan: ProxyPlan): string {
  return deleteProxyTable() + renderProxyTable(plan);
}
