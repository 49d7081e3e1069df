import { isOwnedChain, isOwnedSet, TOP_CHAINS } from './firewall-names.js';

/**
 * What a full resync reads back from the kernel: the firewall's own chains and the jumps to
 * them in the built-in chains (from `iptables-save -t filter`), and its own sets (from
 * `ipset list -n`). Another owner's chains and sets are seen only to be left alone.
 *
 * @module
 */

/** The filter table as far as the firewall cares. */
export interface FilterTableState {
  /** Chains the firewall owns that exist. */
  readonly ownedChains: ReadonlySet<string>;
  /** Rules of each built-in chain the firewall hangs from, in order, as printed. */
  readonly builtinRules: ReadonlyMap<string, readonly string[]>;
}

/** Parses `iptables-save -t filter` output. */
export function parseFilterTable(saved: string): FilterTableState {
  const ownedChains = new Set<string>();
  const builtins: ReadonlySet<string> = new Set(TOP_CHAINS.map((top) => top.builtin));
  const builtinRules = new Map<string, string[]>();
  let inFilter = false;
  for (const line of saved.split('\n')) {
    if (line.startsWith('*')) inFilter = line === '*filter';
    if (!inFilter) continue;
    if (line.startsWith(':')) {
      const name = line.slice(1).split(' ')[0] ?? '';
      if (isOwnedChain(name)) ownedChains.add(name);
    } else if (line.startsWith('-A ')) {
      const chain = line.split(' ')[1] ?? '';
      if (builtins.has(chain)) builtinRules.set(chain, [...(builtinRules.get(chain) ?? []), line.trimEnd()]);
    }
  }
  return { ownedChains, builtinRules };
}

/** The firewall's own set names in `ipset list -n` output. */
export function parseOwnedSets(listed: string): Set<string> {
  return new Set(listed.split('\n').map((line) => line.trim()).filter((name) => name !== '' && isOwnedSet(name)));
}

/**
 * Lines putting the jump `jump` (as printed) first in `builtin` and nowhere else: nothing when
 * it is first and alone, otherwise every copy deleted and one inserted at the top.
 */
export function jumpRepairLines(builtin: string, chain: string, jump: string, rules: readonly string[]): string[] {
  const copies = rules.filter((rule) => rule === jump).length;
  if (copies === 1 && rules[0] === jump) return [];
  const spec = jump.slice(`-A ${builtin} `.length);
  return [...Array.from({ length: copies }, () => `-D ${builtin} ${spec}`), `-I ${builtin} 1 -j ${chain}`];
}
