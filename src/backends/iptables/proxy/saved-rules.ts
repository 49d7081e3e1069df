import { isProxyChain } from './proxy-chain-names.js';

/** One table of an `iptables-save` output: its chains and its rules (`-A` lines). */
export interface SavedTable {
  readonly chains: ReadonlySet<string>;
  readonly rules: readonly string[];
}

/** Parses `iptables-save` output into its tables (`nat`, `filter`, ...). */
export function parseSave(text: string): Map<string, SavedTable> {
  const tables = new Map<string, { chains: Set<string>; rules: string[] }>();
  let current: { chains: Set<string>; rules: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      current = { chains: new Set(), rules: [] };
      tables.set(line.slice(1).trim(), current);
    } else if (current && line.startsWith(':')) {
      current.chains.add(line.slice(1).split(' ')[0] ?? '');
    } else if (current && line.startsWith('-A ')) {
      current.rules.push(line);
    }
  }
  return tables;
}

/** The chains of `table` this backend owns. */
export function ownedChains(table: SavedTable | undefined): string[] {
  return [...(table?.chains ?? [])].filter(isProxyChain);
}

const BUILTIN_CHAINS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/** The rules of built-in chains of `table` that jump into an owned chain (the ones we inserted). */
export function jumpsIntoOwned(table: SavedTable | undefined): string[] {
  return (table?.rules ?? []).filter((line) => {
    const chain = line.split(' ')[1] ?? '';
    const target = / -j (\S+)$/.exec(line)?.[1] ?? '';
    return BUILTIN_CHAINS.has(chain) && isProxyChain(target);
  });
}
