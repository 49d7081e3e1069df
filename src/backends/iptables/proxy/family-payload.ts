import type { IPFamily } from '../../../core/model/index.js';
import type { ProxySettings } from '../../../core/plan/proxy-plan.js';
import type { BuiltinJump } from './builtin-jumps.js';
import { DROP_MARK, FILTER_DISPATCH_CHAINS, MASQ_MARK, NAT_DISPATCH_CHAINS, PROXY_CHAINS } from './proxy-chain-names.js';
import { comment } from './rule-text.js';
import { nodePortDestinations, type RenderedServicePort } from './service-port-render.js';

/** What one family's `iptables-restore --noflush` payload writes. */
export interface FamilyPayloadInput {
  readonly family: IPFamily;
  readonly settings: ProxySettings;
  /** Every service port's rendering, in plan order: the dispatch chains are composed from these. */
  readonly ports: Iterable<RenderedServicePort>;
  /** The renderings whose own chains are (re)written: the changed ports, or all on a full sync. */
  readonly rewrite: Iterable<RenderedServicePort>;
  /** Owned nat chains to flush and delete (gone from the plan, or found in the kernel and not planned). */
  readonly deleteChains: Iterable<string>;
  /** Built-in jumps to insert (those found missing). */
  readonly insertJumps: readonly BuiltinJump[];
}

/** The payload as lines, and how many of them there are (for tests and the bench). */
export interface FamilyPayload {
  readonly text: string;
  readonly lines: number;
}

function natDispatchRules(input: FamilyPayloadInput, ports: readonly RenderedServicePort[]): string[] {
  const { family, settings } = input;
  const lines: string[] = [];
  const { services, nodePorts, postrouting, markMasq, markDrop, masqOutside } = PROXY_CHAINS;
  for (const port of ports) for (const rule of port.services) lines.push(`-A ${services} ${rule}`);
  // Last, as kube-proxy: a NodePort on a node address never shadows a frontend address.
  for (const destination of nodePortDestinations(settings, family)) {
    lines.push(`-A ${services} ${destination}${comment('kube-router node ports')} -j ${nodePorts}`);
  }
  if (family === 'IPv4' && settings.localhostNodePorts) {
    // A packet from 127.0.0.0/8 cannot leave the node with that source: masquerade it.
    lines.push(`-A ${nodePorts} -s 127.0.0.0/8 ${comment('localhost node ports')} -j ${markMasq}`);
  }
  for (const port of ports) for (const rule of port.nodePorts) lines.push(`-A ${nodePorts} ${rule}`);
  lines.push(
    `-A ${postrouting} -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`,
    `-A ${postrouting} -j MARK --xor-mark ${MASQ_MARK}`,
    `-A ${postrouting} ${comment('kube-router service traffic requiring SNAT')} -j MASQUERADE`,
    `-A ${markMasq} -j MARK --or-mark ${MASQ_MARK}`,
    `-A ${markDrop} -j MARK --or-mark ${DROP_MARK}`,
  );
  const cidrs = settings.clusterCIDRs.filter((cidr) => cidr.includes(':') === (family === 'IPv6'));
  for (const cidr of cidrs) lines.push(`-A ${masqOutside} -s ${cidr} -j RETURN`);
  lines.push(`-A ${masqOutside} -j ${markMasq}`);
  return lines;
}

function inserts(jumps: readonly BuiltinJump[], table: BuiltinJump['table']): string[] {
  // Each goes to position 1, so the last inserted ends up first: insert in reverse order.
  return jumps.filter((jump) => jump.table === table).reverse().map((jump) => `-I ${jump.builtin} 1 ${jump.rule}`);
}

/**
 * The `iptables-restore --noflush` payload of one family: the nat table's dispatch chains
 * (rewritten whole), the chains of the ports in `rewrite` (each flushed by its `:NAME - [0:0]`
 * line and refilled), stale chains flushed and then deleted, the filter table's verdict
 * chains, and the missing built-in jumps. Chains that are not ours are never named.
 */
export function composeFamilyPayload(input: FamilyPayloadInput): FamilyPayload {
  const ports = [...input.ports];
  const rewrite = [...input.rewrite];
  // One flat array of lines, pushed in order: at 10,000 service ports spreads and
  // intermediate arrays cost more than the rendering itself.
  const out: string[] = ['*nat'];
  for (const name of NAT_DISPATCH_CHAINS) out.push(`:${name} - [0:0]`);
  const written = new Set<string>();
  for (const port of rewrite) {
    for (const name of port.chains.keys()) {
      written.add(name);
      out.push(`:${name} - [0:0]`);
    }
  }
  const deleted = [...new Set(input.deleteChains)].filter((name) => !written.has(name));
  for (const name of deleted) out.push(`:${name} - [0:0]`);
  for (const line of natDispatchRules(input, ports)) out.push(line);
  for (const port of rewrite) {
    for (const [name, chainRules] of port.chains) {
      for (const rule of chainRules) out.push(`-A ${name} ${rule}`);
    }
  }
  for (const name of deleted) out.push(`-X ${name}`);
  for (const line of inserts(input.insertJumps, 'nat')) out.push(line);
  out.push('COMMIT', '*filter');
  for (const name of FILTER_DISPATCH_CHAINS) out.push(`:${name} - [0:0]`);
  for (const port of ports) for (const rule of port.servicesFilter) out.push(`-A ${PROXY_CHAINS.servicesFilter} ${rule}`);
  for (const port of ports) for (const rule of port.externalServices) out.push(`-A ${PROXY_CHAINS.externalServices} ${rule}`);
  out.push(`-A ${PROXY_CHAINS.proxyFirewall} -m mark --mark ${DROP_MARK}/${DROP_MARK} -j DROP`);
  for (const line of inserts(input.insertJumps, 'filter')) out.push(line);
  out.push('COMMIT');
  return { text: `${out.join('\n')}\n`, lines: out.length };
}

/**
 * The payload that removes everything found of ours in one family: the jumps from built-in
 * chains (deleted by their exact saved text), then every owned chain flushed and deleted.
 * Undefined when nothing of ours is there.
 */
export function composeCleanupPayload(tables: ReadonlyMap<string, { chains: readonly string[]; jumps: readonly string[] }>): string | undefined {
  const out: string[] = [];
  for (const [table, found] of tables) {
    if (found.chains.length === 0 && found.jumps.length === 0) continue;
    out.push(
      `*${table}`,
      ...found.chains.map((name) => `:${name} - [0:0]`),
      ...found.jumps.map((line) => `-D${line.slice(2)}`),
      ...found.chains.map((name) => `-X ${name}`),
      'COMMIT',
    );
  }
  return out.length === 0 ? undefined : `${out.join('\n')}\n`;
}
