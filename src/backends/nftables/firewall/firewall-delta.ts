import { isDeepStrictEqual } from 'node:util';
import type { IPFamily } from '../../../core/model/index.js';
import type { FirewallPlan, PolicyPlan } from '../../../core/plan/firewall-plan.js';
import { fragmentChanges, type FragmentChanges } from '../../../core/plan/fragment-map.js';
import { NftTransaction } from '../common/nft-text.js';
import { TABLE_REF } from './firewall-names.js';
import {
  podMapElements,
  renderNodeSet,
  renderPeerSet,
  renderPodChains,
  renderPolicyChains,
  setDeclaration,
  type ChainText,
  type MapElement,
  type Problems,
  type SetText,
} from './firewall-render.js';
import { mapElementText } from './firewall-table.js';

/**
 * The incremental transaction from the table of `previous` (programmed) to that of `next`:
 * set members added and deleted, changed chains flushed and refilled, new chains added, gone
 * ones deleted, verdict map elements moved. Each piece is re-rendered from its fragment in both
 * plans and compared, so the payload is proportional to the change.
 *
 * @module
 */

/** The transaction and the fragment changes it was built from. */
export interface FirewallDelta {
  readonly transaction: NftTransaction;
  readonly pods: FragmentChanges;
  readonly policies: FragmentChanges;
  readonly peerSets: FragmentChanges;
}

class DeltaBuilder {
  readonly sets: string[] = [];
  readonly declareChains: string[] = [];
  readonly fillChains: string[] = [];
  readonly mapDeletes: string[] = [];
  readonly mapAdds: string[] = [];
  readonly deleteChains: string[] = [];
  readonly deleteSets: string[] = [];

  set(before: SetText | undefined, after: SetText | undefined): void {
    if (after === undefined) {
      if (before !== undefined) this.deleteSets.push(`delete set ${TABLE_REF} ${before.name}`);
      return;
    }
    if (before === undefined || before.name !== after.name || before.interval !== after.interval) {
      if (before !== undefined) this.deleteSets.push(`delete set ${TABLE_REF} ${before.name}`);
      this.sets.push(`add set ${TABLE_REF} ${after.name} { ${setDeclaration(after)} }`);
      if (after.elements.length > 0) this.sets.push(`add element ${TABLE_REF} ${after.name} { ${after.elements.join(', ')} }`);
      return;
    }
    if (after.interval) {
      // Intervals of an ipBlock: rewrite them whole (ipBlock sets are small and rarely change).
      if (!isDeepStrictEqual(before.elements, after.elements)) {
        this.sets.push(`flush set ${TABLE_REF} ${after.name}`);
        if (after.elements.length > 0) this.sets.push(`add element ${TABLE_REF} ${after.name} { ${after.elements.join(', ')} }`);
      }
      return;
    }
    const old = new Set(before.elements);
    const now = new Set(after.elements);
    const gone = before.elements.filter((element) => !now.has(element));
    const added = after.elements.filter((element) => !old.has(element));
    if (gone.length > 0) this.sets.push(`delete element ${TABLE_REF} ${after.name} { ${gone.join(', ')} }`);
    if (added.length > 0) this.sets.push(`add element ${TABLE_REF} ${after.name} { ${added.join(', ')} }`);
  }

  chains(before: readonly ChainText[], after: readonly ChainText[]): void {
    const old = new Map(before.map((chain) => [chain.name, chain.rules]));
    const now = new Set(after.map((chain) => chain.name));
    for (const chain of after) {
      const rules = old.get(chain.name);
      if (rules !== undefined && isDeepStrictEqual(rules, chain.rules)) continue;
      if (rules === undefined) this.declareChains.push(`add chain ${TABLE_REF} ${chain.name}`);
      else this.fillChains.push(`flush chain ${TABLE_REF} ${chain.name}`);
      for (const rule of chain.rules) this.fillChains.push(`add rule ${TABLE_REF} ${chain.name} ${rule}`);
    }
    for (const chain of before) if (!now.has(chain.name)) this.deleteChains.push(`delete chain ${TABLE_REF} ${chain.name}`);
  }

  mapElements(before: readonly MapElement[], after: readonly MapElement[]): void {
    const key = (element: MapElement) => `${element.map} ${mapElementText(element)}`;
    const old = new Set(before.map(key));
    const now = new Set(after.map(key));
    for (const element of before) if (!now.has(key(element))) this.mapDeletes.push(`delete element ${TABLE_REF} ${element.map} { ${element.address} }`);
    for (const element of after) if (!old.has(key(element))) this.mapAdds.push(`add element ${TABLE_REF} ${element.map} { ${mapElementText(element)} }`);
  }

  transaction(): NftTransaction {
    // Sets before the rules naming them; every new chain declared before any rule jumps to it;
    // map elements left before the chains they jump to are deleted; sets deleted last.
    return new NftTransaction().addAll([
      ...this.sets,
      ...this.declareChains,
      ...this.fillChains,
      ...this.mapDeletes,
      ...this.mapAdds,
      ...this.deleteChains,
      ...this.deleteSets,
    ]);
  }
}

function refersTo(policy: PolicyPlan, ids: ReadonlySet<string>): boolean {
  return [...policy.ingress, ...policy.egress].some(
    (rule) => (!rule.peers.any && rule.peers.sets.some((id) => ids.has(id))) || rule.ports.some((port) => port.podSets?.some((id) => ids.has(id))),
  );
}

/** The transaction from `previous`'s table to `next`'s; see the module comment. */
export function firewallDelta(previous: FirewallPlan, next: FirewallPlan, problems: Problems): FirewallDelta {
  const builder = new DeltaBuilder();
  const ignored: Problems = [];
  const peerSets = fragmentChanges(previous.peerSets, next.peerSets);
  const policies = fragmentChanges(previous.policies, next.policies);
  const pods = fragmentChanges(previous.pods, next.pods);

  if (!isDeepStrictEqual(previous.nodeAddresses, next.nodeAddresses)) {
    for (const family of ['IPv4', 'IPv6'] as IPFamily[]) {
      builder.set(renderNodeSet(previous.nodeAddresses, family, ignored), renderNodeSet(next.nodeAddresses, family, problems));
    }
  }
  // A policy chain names sets by kind and family: it is re-rendered when a set it names comes,
  // goes or changes kind, even if the policy itself did not change.
  const reshaped = new Set<string>(peerSets.removed);
  for (const id of peerSets.changed) {
    const before = previous.peerSets.get(id);
    const after = next.peerSets.get(id);
    if (before === undefined || after === undefined || before.kind !== after.kind || before.family !== after.family) reshaped.add(id);
    builder.set(before && renderPeerSet(before, ignored), after && renderPeerSet(after, problems));
  }
  for (const id of peerSets.removed) {
    const before = previous.peerSets.get(id);
    builder.set(before && renderPeerSet(before, ignored), undefined);
  }

  // Pods first: a removed pod's chain is deleted before the policy chains it jumped to.
  for (const key of [...pods.changed, ...pods.removed]) {
    const before = previous.pods.get(key);
    const after = next.pods.get(key);
    builder.chains(before ? renderPodChains(before, ignored) : [], after ? renderPodChains(after, problems) : []);
    builder.mapElements(before ? podMapElements(before) : [], after ? podMapElements(after) : []);
  }
  const policyKeys = new Set([...policies.changed, ...policies.removed]);
  if (reshaped.size > 0) {
    for (const plan of [previous, next]) for (const policy of plan.policies.values()) if (refersTo(policy, reshaped)) policyKeys.add(policy.key);
  }
  for (const key of policyKeys) {
    const before = previous.policies.get(key);
    const after = next.policies.get(key);
    builder.chains(before ? renderPolicyChains(before, previous.peerSets, ignored) : [], after ? renderPolicyChains(after, next.peerSets, problems) : []);
  }

  return { transaction: builder.transaction(), pods, policies, peerSets };
}
