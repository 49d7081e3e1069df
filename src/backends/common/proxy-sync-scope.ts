import { isDeepStrictEqual } from 'node:util';
import type { SyncOptions } from '../../core/backend/backend.js';
import { fragmentChanges, type FragmentChanges } from '../../core/plan/fragment-map.js';
import type { ProxyPlan } from '../../core/plan/proxy-plan.js';

/** What one proxy sync has to write, decided the same way by every rule-set proxy backend. */
export interface ProxySyncScope {
  /** Rewrite everything: a resync, the first sync, another node, or changed settings. */
  readonly full: boolean;
  /** The service ports changed and removed since `previous` (all of `plan` when full). */
  readonly changes: FragmentChanges;
  /** How many service ports of `previous` are gone from `plan`. */
  readonly removed: number;
}

/**
 * Compares `plan` with the one last programmed. Settings are plan-wide (cluster CIDRs, node
 * addresses, NodePort addresses): every service port's rules depend on them, so a change
 * there rewrites everything.
 */
export function proxySyncScope(previous: ProxyPlan | undefined, plan: ProxyPlan, options: SyncOptions): ProxySyncScope {
  const full =
    options.resync === true || previous === undefined || previous.node !== plan.node || !isDeepStrictEqual(previous.settings, plan.settings);
  const changes = fragmentChanges(full ? undefined : previous?.servicePorts, plan.servicePorts);
  const removed = full
    ? (previous?.servicePorts.values().filter((port) => !plan.servicePorts.has(port.key)).length ?? 0)
    : changes.removed.length;
  return { full, changes, removed };
}
