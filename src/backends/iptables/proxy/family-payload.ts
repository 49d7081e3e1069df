import type { IPFamily } from '../../../core/model/index.js';
import type { ProxySettings } from '../../../core/plan/proxy-plan.js';
import { inDeclarationOrder } from '../declaration-order.js';
import type { BuiltinJump } from './builtin-jumps.js';
import { DROP_MARK, FILTER_DISPATCH_CHAINS, MASQ_MARK, NAT_DISPATCH_CHAINS, PROXY_CHAINS } from './proxy-chain-names.js';
import { comment } from './rule-text.js';
import { nodePortDestinations, type RenderedServicePort } from './service-port-render.js';

/** A dispatch chain composed from every service port's lines in it. */
export type PortDispatchChain = 'services' | 'nodePorts' | 'servicesFilter' | 'externalServices';

/** The dispatch chains composed from the ports' lines, in payload order within their tables. */
export const PORT_DISPATCH_CHAINS: readonly PortDispatchChain[] = ['services', 'nodePorts', 'servicesFilter', 'externalServices'];

/** A service port's lines in the dispatch chains (what composing a dispatch chain needs of it). */
export type PortDispatchTexts = Pick<RenderedServicePort, PortDispatchChain>;

/** What one family's `iptables-restore --noflush` payload writes. */
export interface FamilyPayloadInput {
  readonly family: IPFamily;
  readonly settings: ProxySettings;
  /** Every service port's rendering, in plan order: the dispatch chains are composed from these. */
  readonly ports: Iterable<PortDispatchTexts>;
  /**
   * Which dispatch chains to write: `full` writes every fixed chain of both tables (the port
   * dispatch chains and the helpers that depend only on the settings), a set only those named.
   */
  readonly dispatch: 'full' | ReadonlySet<PortDispatchChain>;
  /**
   * Per-port chains (re)written whole (every chain of every port on a full sync): their names
   * (a port's {@link RenderedServicePort.chainNames}), declared `:NAME - [0:0]`, which flushes
   * them, and their `-A` lines, as texts of whole lines in payload order (a port's
   * `chainsText`, or several ports' joined). Their names are not checked against
   * `deleteChains`: the caller leaves them out.
   */
  readonly rewrite?: { readonly chainNames: Iterable<readonly string[]>; readonly rules: Iterable<string> } | undefined;
  /** Single per-port nat chains to (re)write, name and `-A` lines, flushed and refilled the same way. */
  readonly chains: Iterable<readonly [name: string, text: string]>;
  /** Owned nat chains to flush and delete (gone from the plan, or found in the kernel and not planned); those in `chains` are kept. */
  readonly deleteChains: Iterable<string>;
  /** Built-in jumps to insert (those found missing). */
  readonly insertJumps: readonly BuiltinJump[];
}

/** The payload text, and how many lines it has (for tests and the bench); empty when there is nothing to write. */
export interface FamilyPayload {
  readonly text: string;
  readonly lines: number;
}

const DECLARED = ' - [0:0]\n';

function countLines(text: string): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}

/** Pushes the lines of dispatch chain `chain` of every port (texts already end in newlines). */
function pushPortLines(out: string[], ports: readonly PortDispatchTexts[], chain: PortDispatchChain): void {
  for (const port of ports) {
    const text = port[chain];
    if (text !== '') out.push(text);
  }
}

function pushNatDispatchRules(out: string[], input: FamilyPayloadInput, ports: readonly PortDispatchTexts[]): void {
  const { family, settings, dispatch } = input;
  const write = (chain: PortDispatchChain): boolean => dispatch === 'full' || dispatch.has(chain);
  const { services, nodePorts, postrouting, markMasq, markDrop, masqOutside } = PROXY_CHAINS;
  if (write('services')) {
    pushPortLines(out, ports, 'services');
    // Last, as kube-proxy: a NodePort on a node address never shadows a frontend address.
    for (const destination of nodePortDestinations(settings, family)) {
      out.push(`-A ${services} ${destination}${comment('kube-router node ports')} -j ${nodePorts}\n`);
    }
  }
  if (write('nodePorts')) {
    if (family === 'IPv4' && settings.localhostNodePorts) {
      // A packet from 127.0.0.0/8 cannot leave the node with that source: masquerade it.
      out.push(`-A ${nodePorts} -s 127.0.0.0/8 ${comment('localhost node ports')} -j ${markMasq}\n`);
    }
    pushPortLines(out, ports, 'nodePorts');
  }
  // The helpers depend on the settings only: a partial sync never changes them.
  if (dispatch !== 'full') return;
  out.push(
    `-A ${postrouting} -m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN\n`,
    `-A ${postrouting} -j MARK --xor-mark ${MASQ_MARK}\n`,
    `-A ${postrouting} ${comment('kube-router service traffic requiring SNAT')} -j MASQUERADE\n`,
    `-A ${markMasq} -j MARK --or-mark ${MASQ_MARK}\n`,
    `-A ${markDrop} -j MARK --or-mark ${DROP_MARK}\n`,
  );
  const cidrs = settings.clusterCIDRs.filter((cidr) => cidr.includes(':') === (family === 'IPv6'));
  for (const cidr of cidrs) out.push(`-A ${masqOutside} -s ${cidr} -j RETURN\n`);
  out.push(`-A ${masqOutside} -j ${markMasq}\n`);
}

/**
 * The refusal of service CIDR addresses no service holds, last in the services filter chain
 * (entered for new connections from INPUT, FORWARD and OUTPUT, after DNAT): a packet still
 * addressed into the service CIDRs and not DNATed was taken by no service rule, so no service
 * holds that address, port and protocol (a deleted service, a wrong port). kube-proxy rejects
 * such ports of allocated cluster IPs and drops unallocated addresses; this chain refuses both
 * (TCP reset, else ICMP port unreachable), so a client of a deleted service fails at once. The
 * per-service REJECT lines come first, and DROP verdicts (by mark) were taken in the firewall
 * chain before.
 */
const CIDR_TEXT = /^[0-9a-fA-F:.]{2,45}\/\d{1,3}$/;

function pushUnallocatedRefusal(out: string[], settings: ProxySettings, family: IPFamily): void {
  const v6 = family === 'IPv6';
  const unreachable = v6 ? 'icmp6-port-unreachable' : 'icmp-port-unreachable';
  const note = comment('kube-router no service holds this address and port');
  const notDnat = '-m conntrack ! --ctstate DNAT';
  for (const cidr of settings.serviceCIDRs) {
    // The planner validated them; the check keeps anything else out of a payload all the same.
    if (cidr.includes(':') !== v6 || !CIDR_TEXT.test(cidr)) continue;
    out.push(
      `-A ${PROXY_CHAINS.servicesFilter} -d ${cidr} -p tcp ${note} ${notDnat} -j REJECT --reject-with tcp-reset\n`,
      `-A ${PROXY_CHAINS.servicesFilter} -d ${cidr} ${note} ${notDnat} -j REJECT --reject-with ${unreachable}\n`,
    );
  }
}

/** `names` without the single chains written in the payload. */
function withoutWritten(names: string[], chains: readonly (readonly [string, string])[]): string[] {
  if (names.length === 0 || chains.length === 0) return names;
  const written = new Set(chains.map(([name]) => name));
  return names.filter((name) => !written.has(name));
}

/** Ends the table opened at `start` with COMMIT, or drops its header when nothing was written in it. */
function closeTable(out: string[], start: number): void {
  if (out.length === start + 1) out.length = start;
  else out.push('COMMIT\n');
}

function pushInserts(out: string[], jumps: readonly BuiltinJump[], table: BuiltinJump['table']): void {
  // Each goes to position 1, so the last inserted ends up first: insert in reverse order.
  const ofTable = jumps.filter((jump) => jump.table === table);
  for (let index = ofTable.length - 1; index >= 0; index--) {
    const jump = ofTable[index] as BuiltinJump;
    out.push(`-I ${jump.builtin} 1 ${jump.rule}\n`);
  }
}

/**
 * The `iptables-restore --noflush` payload of one family. nat: the dispatch chains asked for
 * (composed whole from every port's lines), the per-port chains given (each flushed by its
 * `:NAME - [0:0]` line and refilled), stale chains flushed and then deleted, the missing
 * built-in jumps. filter: its dispatch chains asked for, the missing jumps. A table with
 * nothing to write is left out (and the payload is empty when both are). Chains that are not
 * ours are never named.
 */
export function composeFamilyPayload(input: FamilyPayloadInput): FamilyPayload {
  const full = input.dispatch === 'full';
  const dispatch = input.dispatch;
  const has = (chain: PortDispatchChain): boolean => dispatch === 'full' || dispatch.has(chain);
  // Every text pushed is whole lines: one join at the end, no per-line strings in between.
  const out: string[] = ['*nat\n'];
  // Every chain declared, then all declared at once in the order iptables-nft-restore takes fastest.
  const declared: string[] = [];
  if (full) declared.push(...NAT_DISPATCH_CHAINS);
  else {
    if (has('services')) declared.push(PROXY_CHAINS.services);
    if (has('nodePorts')) declared.push(PROXY_CHAINS.nodePorts);
  }
  const chains = [...input.chains];
  const chainTexts: string[] = [];
  for (const names of input.rewrite?.chainNames ?? []) for (const name of names) declared.push(name);
  for (const text of input.rewrite?.rules ?? []) if (text !== '') chainTexts.push(text);
  for (const [name, text] of chains) {
    declared.push(name);
    if (text !== '') chainTexts.push(text);
  }
  const deleted = withoutWritten([...new Set(input.deleteChains)], chains);
  declared.push(...deleted);
  for (const name of inDeclarationOrder(declared)) out.push(`:${name}${DECLARED}`);
  const ports = dispatch === 'full' || dispatch.size > 0 ? [...input.ports] : [];
  pushNatDispatchRules(out, input, ports);
  for (const text of chainTexts) out.push(text);
  for (const name of deleted) out.push(`-X ${name}\n`);
  pushInserts(out, input.insertJumps, 'nat');
  closeTable(out, 0);
  const filterStart = out.length;
  out.push('*filter\n');
  if (full) for (const name of FILTER_DISPATCH_CHAINS) out.push(`:${name}${DECLARED}`);
  else {
    if (has('servicesFilter')) out.push(`:${PROXY_CHAINS.servicesFilter}${DECLARED}`);
    if (has('externalServices')) out.push(`:${PROXY_CHAINS.externalServices}${DECLARED}`);
  }
  if (has('servicesFilter')) {
    pushPortLines(out, ports, 'servicesFilter');
    // Flushed and refilled with the ports' lines: the refusal goes back after them every time.
    pushUnallocatedRefusal(out, input.settings, input.family);
  }
  if (has('externalServices')) pushPortLines(out, ports, 'externalServices');
  if (full) {
    out.push(`-A ${PROXY_CHAINS.proxyFirewall} -m mark --mark ${DROP_MARK}/${DROP_MARK} -j DROP\n`);
    if (input.family === 'IPv4' && input.settings.localhostNodePorts) {
      // route_localnet is on: a neighbour must not reach the node's loopback services.
      out.push(
        `-A ${PROXY_CHAINS.proxyFirewall} ! -s 127.0.0.0/8 -d 127.0.0.0/8 ${comment('kube-router block incoming localnet connections')} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP\n`,
      );
    }
  }
  pushInserts(out, input.insertJumps, 'filter');
  closeTable(out, filterStart);
  const text = out.join('');
  return { text, lines: countLines(text) };
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
