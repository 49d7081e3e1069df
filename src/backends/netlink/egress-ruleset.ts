/**
 * The nftables text of pod egress masquerade: one `inet` table of our own, so it never meets
 * anyone else's rules and goes away whole.
 *
 * ```
 * table inet kube-router-egress {
 *   set pod-subnets-v4 { type ipv4_addr; flags interval; auto-merge; elements = { 10.1.1.0/24 } }
 *   set keep-source-v4 { type ipv4_addr; flags interval; auto-merge; elements = { 10.1.0.0/16, ... } }
 *   chain pod-egress {
 *     type nat hook postrouting priority srcnat; policy accept;
 *     ip saddr @pod-subnets-v4 ip daddr != @keep-source-v4 masquerade
 *   }
 * }
 * ```
 *
 * and the same with `-v6` sets and `ip6` matches for IPv6. `auto-merge` lets the exceptions
 * overlap (a node address inside a cluster CIDR) as the planner lists them. A replacement is
 * one transaction, `add table` (so the next line never fails), `delete table`, the new table:
 * atomic, and it touches no other table (never `flush ruleset`).
 *
 * @module
 */
import ipaddr from 'ipaddr.js';
import { BackendError } from '../../core/errors.js';
import type { PodEgressMasquerade } from '../../core/plan/route-plan.js';

/** The table name when none is configured. */
export const DEFAULT_EGRESS_TABLE = 'kube-router-egress';

/** Throws `BackendError` unless `name` is a plain nftables identifier. */
export function checkTableName(name: string): void {
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name)) {
    throw new BackendError('nft', ['-f', '-'], undefined, '', `not a plain nftables table name: ${JSON.stringify(name)}`);
  }
}

/** CIDRs (or plain addresses) of one family, checked: the text goes into a ruleset. */
function cidrsOf(values: readonly string[], family: 'ipv4' | 'ipv6'): string[] {
  const found: string[] = [];
  for (const value of values) {
    const valid = value.includes('/') ? ipaddr.isValidCIDR(value) : ipaddr.isValid(value);
    if (!valid) throw new BackendError('nft', ['-f', '-'], undefined, '', `not an address or CIDR: ${JSON.stringify(value)}`);
    const kind = (value.includes('/') ? ipaddr.parseCIDR(value)[0] : ipaddr.parse(value)).kind();
    if (kind === family) found.push(networkForm(value));
  }
  return found;
}

/** `value` with host bits cleared (nft refuses `10.1.1.5/24` in an interval set). */
function networkForm(value: string): string {
  if (!value.includes('/')) return value;
  const [address, prefix] = ipaddr.parseCIDR(value);
  const network = address.kind() === 'ipv4'
    ? ipaddr.IPv4.networkAddressFromCIDR(value)
    : ipaddr.IPv6.networkAddressFromCIDR(value);
  return `${network.toString()}/${prefix}`;
}

function set(name: string, type: string, elements: readonly string[]): string {
  const content = elements.length === 0 ? '' : ` elements = { ${elements.join(', ')} };`;
  return `  set ${name} { type ${type}; flags interval; auto-merge;${content} }`;
}

/** The table's definition for `masquerade` (sets and rules for each family it has sources of). */
export function renderEgressTable(table: string, masquerade: PodEgressMasquerade): string {
  checkTableName(table);
  const lines = [`table inet ${table} {`];
  const rules: string[] = [];
  for (const [family, suffix, match, type] of [['ipv4', 'v4', 'ip', 'ipv4_addr'], ['ipv6', 'v6', 'ip6', 'ipv6_addr']] as const) {
    const sources = cidrsOf(masquerade.sources, family);
    if (sources.length === 0) continue;
    const keep = cidrsOf(masquerade.exceptDestinations, family);
    lines.push(set(`pod-subnets-${suffix}`, type, sources));
    if (keep.length > 0) lines.push(set(`keep-source-${suffix}`, type, keep));
    const exception = keep.length > 0 ? ` ${match} daddr != @keep-source-${suffix}` : '';
    rules.push(`    ${match} saddr @pod-subnets-${suffix}${exception} masquerade`);
  }
  lines.push('  chain pod-egress {', '    type nat hook postrouting priority srcnat; policy accept;', ...rules, '  }', '}');
  return lines.join('\n');
}

/** One transaction replacing our table with the one for `masquerade`. */
export function renderEgressReplacement(table: string, masquerade: PodEgressMasquerade): string {
  return `add table inet ${table}\ndelete table inet ${table}\n${renderEgressTable(table, masquerade)}\n`;
}

/** One transaction deleting our table, whether it exists or not. */
export function renderEgressRemoval(table: string): string {
  checkTableName(table);
  return `add table inet ${table}\ndelete table inet ${table}\n`;
}
