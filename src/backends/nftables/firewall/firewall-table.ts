import type { IPFamily } from '../../../core/model/index.js';
import type { FirewallPlan } from '../../../core/plan/firewall-plan.js';
import { NftTransaction } from '../common/nft-text.js';
import { TABLE_REF, addressType } from './firewall-names.js';
import {
  baseChains,
  podMapElements,
  podMaps,
  renderNodeSet,
  renderPeerSet,
  renderPodChains,
  renderPolicyChains,
  type BaseChainText,
  type ChainText,
  type MapElement,
  type Problems,
  type SetText,
} from './firewall-render.js';

/**
 * The whole firewall table of a plan, as data (for the read-back comparison) and as one
 * `nft -f` transaction that replaces the table atomically.
 *
 * @module
 */

/** Everything the table holds for one plan. */
export interface FirewallTableState {
  readonly sets: readonly SetText[];
  /** Policy chains, then pod chains. */
  readonly chains: readonly ChainText[];
  readonly maps: readonly { name: string; family: IPFamily; elements: readonly MapElement[] }[];
  readonly baseChains: readonly BaseChainText[];
}

/** The table `plan` asks for. */
export function firewallTableState(plan: FirewallPlan, problems: Problems): FirewallTableState {
  const sets: SetText[] = [renderNodeSet(plan.nodeAddresses, 'IPv4', problems), renderNodeSet(plan.nodeAddresses, 'IPv6', problems)];
  for (const set of plan.peerSets.values()) sets.push(renderPeerSet(set, problems));
  const chains: ChainText[] = [];
  for (const policy of plan.policies.values()) chains.push(...renderPolicyChains(policy, plan.peerSets, problems));
  const byMap = new Map<string, Map<string, MapElement>>(podMaps().map((map) => [map.name, new Map()]));
  for (const pod of plan.pods.values()) {
    chains.push(...renderPodChains(pod, problems));
    for (const element of podMapElements(pod)) {
      const map = byMap.get(element.map) as Map<string, MapElement>;
      if (map.has(element.address)) problems.push(`${element.map}: two local pods share an address; the first keeps it`);
      else map.set(element.address, element);
    }
  }
  const maps = podMaps().map((map) => ({ ...map, elements: [...(byMap.get(map.name)?.values() ?? [])] }));
  return { sets, chains, maps, baseChains: baseChains() };
}

const elementsLine = (elements: readonly string[]): string[] => (elements.length === 0 ? [] : [`    elements = { ${elements.join(', ')} }`]);

/** `map.address : jump chain`, as a map element is written. */
export function mapElementText(element: MapElement): string {
  return `${element.address} : jump ${element.chain}`;
}

/** One transaction deleting our table if it exists (creating it first never fails on absence). */
export function deleteTableTransaction(): NftTransaction {
  return new NftTransaction().add(`table ${TABLE_REF} {}`).add(`delete table ${TABLE_REF}`);
}

/** One transaction replacing our table, and nothing else, with the one `state` describes. */
export function replaceTableTransaction(state: FirewallTableState): NftTransaction {
  const transaction = deleteTableTransaction().add(`table ${TABLE_REF} {`);
  for (const set of state.sets) {
    transaction.addAll([`  set ${set.name} {`, `    type ${addressType(set.family)}`, ...(set.interval ? ['    flags interval'] : []), ...elementsLine(set.elements), '  }']);
  }
  // Chains before the maps and base chains that jump to them; policy chains before pod chains.
  for (const chain of state.chains) transaction.addAll([`  chain ${chain.name} {`, ...chain.rules.map((rule) => `    ${rule}`), '  }']);
  for (const map of state.maps) {
    transaction.addAll([`  map ${map.name} {`, `    type ${addressType(map.family)} : verdict`, ...elementsLine(map.elements.map(mapElementText)), '  }']);
  }
  for (const chain of state.baseChains) {
    transaction.addAll([`  chain ${chain.name} {`, `    ${chain.hook}`, ...chain.rules.map((rule) => `    ${rule}`), '  }']);
  }
  return transaction.add('}');
}
