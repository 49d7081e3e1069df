import type { IPFamily } from '../../../core/model/index.js';
import { cidrInterval, intervalOfJsonElement, mergeIntervals, normalAddress, type AddressInterval } from '../common/nft-addresses.js';
import { mapElementText, type FirewallTableState } from './firewall-table.js';

/**
 * The firewall table reduced to what a resync compares: each set's members as merged address
 * intervals, each verdict map's `address : jump chain` elements, and each chain's rule count,
 * built from `nft -j list table` (the kernel) and from a plan's table state alike; and each
 * chain's rules as text, from `nft list table` and from the plan's rendered rules. The renderer
 * writes every rule in the form nft lists it (checked against the kernel by a test that resyncs
 * an untouched table of every rule shape and expects no write), so rule text compares exactly:
 * a rule replaced by hand, even with the rule count unchanged, is drift.
 *
 * @module
 */

/** A table reduced for comparison; keys sorted. */
export interface TableSummary {
  readonly sets: Record<string, string[]>;
  readonly maps: Record<string, string[]>;
  readonly chains: Record<string, number>;
}

const text = (intervals: readonly AddressInterval[]): string[] => mergeIntervals(intervals).map((i) => `${i.start}-${i.end}`);

function elementInterval(element: string, family: IPFamily): AddressInterval | undefined {
  const dash = element.indexOf('-');
  if (dash > 0) {
    const first = elementInterval(element.slice(0, dash), family);
    const last = elementInterval(element.slice(dash + 1), family);
    return first && last ? { start: first.start, end: last.end } : undefined;
  }
  if (element.includes('/')) return cidrInterval(element, family);
  const address = normalAddress(element, family);
  return address === undefined ? undefined : cidrInterval(`${address}/${family === 'IPv4' ? 32 : 128}`, family);
}

function sorted<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The summary of the table `state` describes. */
export function summaryOfState(state: FirewallTableState): TableSummary {
  const sets: Record<string, string[]> = {};
  for (const set of state.sets) sets[set.name] = text(set.elements.flatMap((element) => elementInterval(element, set.family) ?? []));
  const maps: Record<string, string[]> = {};
  for (const map of state.maps) maps[map.name] = map.elements.map(mapElementText).sort();
  const chains: Record<string, number> = {};
  for (const chain of [...state.chains, ...state.baseChains]) chains[chain.name] = chain.rules.length;
  return { sets: sorted(sets), maps: sorted(maps), chains: sorted(chains) };
}

interface JsonObject {
  readonly [key: string]: unknown;
}

/** The summary of `nft -j list table inet kube-router-firewall` output. */
export function summaryOfJson(json: string): TableSummary {
  const parsed = JSON.parse(json) as { nftables?: JsonObject[] };
  const sets: Record<string, string[]> = {};
  const maps: Record<string, string[]> = {};
  const chains: Record<string, number> = {};
  for (const entry of parsed.nftables ?? []) {
    const set = entry['set'] as JsonObject | undefined;
    const map = entry['map'] as JsonObject | undefined;
    const chain = entry['chain'] as JsonObject | undefined;
    const rule = entry['rule'] as JsonObject | undefined;
    if (set) {
      const family: IPFamily = set['type'] === 'ipv6_addr' ? 'IPv6' : 'IPv4';
      const elements = (set['elem'] as unknown[] | undefined) ?? [];
      sets[String(set['name'])] = text(elements.flatMap((element) => intervalOfJsonElement(element, family) ?? []));
    } else if (map) {
      const family: IPFamily = map['type'] === 'ipv6_addr' ? 'IPv6' : 'IPv4';
      const elements = (map['elem'] as unknown[] | undefined) ?? [];
      maps[String(map['name'])] = elements
        .map((element) => {
          const [key, verdict] = element as [unknown, { jump?: { target?: unknown } }];
          return `${typeof key === 'string' ? (normalAddress(key, family) ?? key) : JSON.stringify(key)} : jump ${String(verdict?.jump?.target)}`;
        })
        .sort();
    } else if (chain) {
      chains[String(chain['name'])] ??= 0;
    } else if (rule) {
      const name = String(rule['chain']);
      chains[name] = (chains[name] ?? 0) + 1;
    }
  }
  return { sets: sorted(sets), maps: sorted(maps), chains: sorted(chains) };
}

/** Each chain's rules of `state`, keyed by chain name, in order. */
export function chainRulesOfState(state: FirewallTableState): Record<string, string[]> {
  const chains: Record<string, string[]> = {};
  for (const chain of [...state.chains, ...state.baseChains]) chains[chain.name] = [...chain.rules];
  return sorted(chains);
}

const BASE_CHAIN_HOOK = /^type \S+ hook \S+ /;

/**
 * Each chain's rules of `nft list table inet kube-router-firewall` output (text, no handles),
 * keyed by chain name, in order; a base chain's hook line is left out. Sets and maps are skipped:
 * {@link summaryOfJson} compares them.
 */
export function chainRulesOfListing(listing: string): Record<string, string[]> {
  const chains: Record<string, string[]> = {};
  let current: string[] | undefined;
  for (const raw of listing.split('\n')) {
    const line = raw.trim();
    if (current === undefined) {
      const start = /^chain (\S+) \{$/.exec(line);
      if (start) chains[start[1] as string] = current = [];
    } else if (line === '}') current = undefined;
    else if (line !== '' && !BASE_CHAIN_HOOK.test(line)) current.push(line);
  }
  return sorted(chains);
}
