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

/**
 * Every service port's objects, each once (the last copy at the place of the first), grouped by
 * kind: the table text lists sets, chains and each container's elements apart, so only the order
 * within a kind and container matters. Keyed by container and key, not by a joined id string.
 */
function uniquePlanObjects(plan: ProxyPlan): TableObject[] {
  const elements = new Map<string, Map<string, TableObject>>();
  const named = new Map<string, TableObject>();
  for (const port of plan.servicePorts.values()) {
    for (const object of renderServicePort(port).objects) {
      if (object.kind !== 'element') {
        named.set(object.kind === 'set' ? `s${object.name}` : `c${object.name}`, object);
        continue;
      }
      let container = elements.get(object.container);
      if (container === undefined) elements.set(object.container, (container = new Map()));
      container.set(object.key, object);
    }
  }
  const all = [...named.values()];
  for (const container of elements.values()) for (const object of container.values()) all.push(object);
  return all;
}

/**
 * The whole table for `plan`, as `nft -f` text: one `inet` table with per-family dispatch
 * verdict maps keyed by `daddr . l4proto . dport` (NodePorts by `l4proto . dport` on the NodePort
 * addresses), shared balancer chains that DNAT through `numgen random mod N` into endpoint maps
 * keyed by (frontend . slot), chains of a service port's own only for short circuits, source
 * ranges and affinity, a filter stage before DNAT and masquerade by mark plus hairpin.
 */
export function renderProxyTable(plan: ProxyPlan): string {
  return fullTableText(tableSkeleton(plan.settings), uniquePlanObjects(plan));
}

/** Deletes the table if it exists, in one transaction. */
export function deleteProxyTable(): string {
  return deleteTableCommands();
}

/** One transaction that replaces the table with the one of `plan` (full syncs). */
export function replaceProxyTable(plan: ProxyPlan): string {
  return deleteProxyTable() + renderProxyTable(plan);
}
