import type { IPFamily } from '../../../core/model/index.js';
import type { ProxyEndpoint, ProxyFrontend, ProxySettings, ServicePortPlan } from '../../../core/plan/proxy-plan.js';
import { endpointChain, endpointSetChain, externalChain, PROXY_CHAINS, sourceRangeChain } from './proxy-chain-names.js';
import { comment, commentSafe, dnatDestination, hostMatch, portMatch, probability, recentMask, safeComment } from './rule-text.js';

/**
 * What one service port renders to in one family, as payload text: the nat chains it owns
 * and its lines in the shared dispatch chains. Every text is whole lines, each ending in a
 * newline (empty when there is none). The chains' lines are one text (chains in order, each
 * ending at its offset in `chainEnds`), so a full payload joins a few strings per port. The
 * backend keeps only the dispatch lines; a partial sync renders a changed port's programmed
 * fragment again, compares the texts chain by chain (see {@link chainTexts}) and writes only
 * what differs.
 */
export interface RenderedServicePort {
  /** Names of the nat chains this port owns, in payload order. */
  readonly chainNames: readonly string[];
  /** Where each chain's lines end in `chainsText` (a chain starts where the one before ends). */
  readonly chainEnds: readonly number[];
  /** The `-A NAME ...` lines of every chain of this port, chain after chain. */
  readonly chainsText: string;
  /** Lines of nat KR-SERVICES. */
  readonly services: string;
  /** Lines of nat KR-NODEPORTS. */
  readonly nodePorts: string;
  /** Lines of filter KR-SERVICES-FILTER. */
  readonly servicesFilter: string;
  /** Lines of filter KR-EXTERNAL-SERVICES. */
  readonly externalServices: string;
}

/** The rendering of a port with nothing in a family. */
export const EMPTY_RENDER: RenderedServicePort = {
  chainNames: [], chainEnds: [], chainsText: '', services: '', nodePorts: '', servicesFilter: '', externalServices: '',
};

/** Each chain of `render` with its `-A` lines, in payload order. */
export function chainTexts(render: RenderedServicePort): Map<string, string> {
  const texts = new Map<string, string>();
  let start = 0;
  render.chainNames.forEach((name, index) => {
    const end = render.chainEnds[index] ?? start;
    texts.set(name, render.chainsText.slice(start, end));
    start = end;
  });
  return texts;
}

/** `rules` of `chain` as payload lines: one join, so each text is a single flat string. */
function chainText(chain: string, rules: readonly string[]): string {
  if (rules.length === 0) return '';
  const prefix = `-A ${chain} `;
  return `${prefix}${rules.join(`\n${prefix}`)}\n`;
}

class PortRenderer {
  readonly chains = new Map<string, string[]>();
  readonly services: string[] = [];
  readonly nodePorts: string[] = [];
  readonly servicesFilter: string[] = [];
  readonly externalServices: string[] = [];
  private readonly name: string;
  /** The port's name made safe for a comment once: every comment naming it appends literal text. */
  private readonly safeName: string;
  /** The comment of every endpoint chain's rules: sanitized once per port, not per endpoint. */
  private readonly note: string;

  constructor(
    private readonly port: ServicePortPlan,
    private readonly family: IPFamily,
    private readonly settings: ProxySettings,
  ) {
    this.name = `${port.service}:${port.portName}`;
    this.safeName = commentSafe(this.name);
    this.note = safeComment(this.safeName);
  }

  /** `comment(`${name} ${text}`)` for `text` of safe characters (literals and frontend kinds). */
  private about(text: string): string {
    return safeComment(`${this.safeName} ${text}`);
  }

  private endpointsOf(set: 'cluster' | 'local'): ProxyEndpoint[] {
    const list = set === 'cluster' ? this.port.clusterEndpoints : this.port.localEndpoints;
    return list.filter((endpoint) => endpoint.family === this.family);
  }

  private chain(name: string): string[] {
    let rules = this.chains.get(name);
    if (!rules) {
      rules = [];
      this.chains.set(name, rules);
    }
    return rules;
  }

  private match(frontend: ProxyFrontend): string {
    return portMatch(this.port.protocol, frontend.port);
  }

  private clusterCidrs(): string[] {
    return this.settings.clusterCIDRs.filter((cidr) => cidr.includes(':') === (this.family === 'IPv6'));
  }

  /** The rule that marks for masquerade under `policy`, or none (`prefix` scopes it). */
  private masqueradeRule(policy: ProxyFrontend['masquerade'], prefix: string): string | undefined {
    if (policy === 'never') return undefined;
    const cidrs = this.clusterCidrs();
    if (policy === 'always' || cidrs.length === 0) return `${prefix}-j ${PROXY_CHAINS.markMasq}`;
    if (cidrs.length === 1) return `${prefix}! -s ${cidrs[0]} -j ${PROXY_CHAINS.markMasq}`;
    return `${prefix}-j ${PROXY_CHAINS.masqOutside}`;
  }

  /** The endpoint-set chain, balancing over its endpoints; undefined when the set is empty. */
  private endpointSet(set: 'cluster' | 'local'): string | undefined {
    const endpoints = this.endpointsOf(set);
    if (endpoints.length === 0) return undefined;
    const name = endpointSetChain(this.port.key, this.family, set);
    if (this.chains.has(name)) return name;
    const rules = this.chain(name);
    const timeout = this.port.affinityTimeoutSeconds;
    const seps = endpoints.map((endpoint) => this.endpoint(endpoint));
    if (timeout !== undefined) {
      for (const sep of seps) {
        rules.push(`${this.about('affinity')} -m recent --rcheck --seconds ${timeout} --reap --name ${sep} --mask ${recentMask(this.family)} --rsource -j ${sep}`);
      }
    }
    seps.forEach((sep, index) => {
      const statistic = index < seps.length - 1 ? ` -m statistic --mode random --probability ${probability(index, seps.length)}` : '';
      rules.push(`${this.about(`endpoint ${index + 1}`)}${statistic} -j ${sep}`);
    });
    return name;
  }

  private endpoint(endpoint: ProxyEndpoint): string {
    const name = endpointChain(this.port.key, endpoint.ip, endpoint.port);
    if (this.chains.has(name)) return name;
    const rules = this.chain(name);
    const note = this.note;
    if (this.port.hairpinMasquerade) rules.push(`-s ${hostMatch(endpoint.ip)} ${note} -j ${PROXY_CHAINS.markMasq}`);
    const affinity = this.port.affinityTimeoutSeconds === undefined
      ? ''
      : ` -m recent --set --name ${name} --mask ${recentMask(this.family)} --rsource`;
    rules.push(`-p ${this.port.protocol.toLowerCase()} ${note}${affinity} -j DNAT --to-destination ${dnatDestination(endpoint.ip, endpoint.port)}`);
    return name;
  }

  /** The filter rule for a frontend without endpoints. */
  private verdict(frontend: ProxyFrontend, verdict: 'REJECT' | 'DROP'): void {
    const note = this.about(`${frontend.kind} has no ${verdict === 'REJECT' ? 'endpoints' : 'local endpoints'}`);
    if (frontend.kind === 'NodePort') {
      for (const destination of this.nodePortDestinations()) {
        this.externalServices.push(`${destination}${note} ${this.match(frontend)} -j ${verdict}`);
      }
    } else {
      this.servicesFilter.push(`-d ${hostMatch(frontend.ip ?? '')} ${note} ${this.match(frontend)} -j ${verdict}`);
    }
  }

  /** How a NodePort destination is matched: the plan's addresses, or every local one. */
  nodePortDestinations(): string[] {
    return nodePortDestinations(this.settings, this.family);
  }

  clusterIP(frontend: ProxyFrontend): void {
    if (frontend.noEndpoints) return this.verdict(frontend, frontend.noEndpoints);
    const target = this.endpointSet(frontend.endpoints);
    if (target === undefined) return;
    const scope = `-d ${hostMatch(frontend.ip ?? '')} ${this.match(frontend)} `;
    const masquerade = this.masqueradeRule(frontend.masquerade, scope);
    // Before the balancing rules: the mark must be set whichever endpoint is chosen.
    if (masquerade) this.chain(target).unshift(`${this.about('cluster IP')} ${masquerade}`);
    this.services.push(`-d ${hostMatch(frontend.ip ?? '')} ${this.about('cluster IP')} ${this.match(frontend)} -j ${target}`);
  }

  external(frontend: ProxyFrontend): void {
    if (frontend.noEndpoints === 'REJECT') return this.verdict(frontend, 'REJECT');
    const name = externalChain(this.port.key, frontend.kind, frontend.ip, frontend.port, this.family);
    const rules = this.chain(name);
    const masquerade = this.masqueradeRule(frontend.masquerade, '');
    if (masquerade) rules.push(`${comment(`masquerade ${frontend.kind} traffic`)} ${masquerade}`);
    const cluster = frontend.shortCircuit ? this.endpointSet('cluster') : undefined;
    if (cluster !== undefined) {
      for (const cidr of this.clusterCidrs()) {
        rules.push(`-s ${cidr} ${comment('pod traffic for external destinations goes to the cluster endpoints')} -j ${cluster}`);
      }
      rules.push(`${comment('masquerade node traffic for external destinations')} -m addrtype --src-type LOCAL -j ${PROXY_CHAINS.markMasq}`);
      rules.push(`${comment('node traffic for external destinations goes to the cluster endpoints')} -m addrtype --src-type LOCAL -j ${cluster}`);
    }
    if (frontend.noEndpoints === 'DROP') {
      // Not DNATed here: filter drops it, while short-circuited packets, already DNATed, pass.
      this.verdict(frontend, 'DROP');
    } else {
      const target = this.endpointSet(frontend.endpoints);
      if (target !== undefined) rules.push(`-j ${target}`);
    }
    const entry = frontend.kind === 'LoadBalancer' && frontend.sourceRanges.length > 0 ? this.sourceRanges(frontend, name) : name;
    const note = this.about(frontend.kind);
    if (frontend.kind === 'NodePort') this.nodePorts.push(`${note} ${this.match(frontend)} -j ${entry}`);
    else this.services.push(`-d ${hostMatch(frontend.ip ?? '')} ${note} ${this.match(frontend)} -j ${entry}`);
  }

  private sourceRanges(frontend: ProxyFrontend, next: string): string {
    const name = sourceRangeChain(this.port.key, frontend.ip, frontend.port, this.family);
    const rules = this.chain(name);
    for (const range of frontend.sourceRanges) rules.push(`-s ${range} ${this.about('allowed source')} -j ${next}`);
    rules.push(`${this.about('source not allowed')} -j ${PROXY_CHAINS.markDrop}`);
    return name;
  }
}

/** How NodePort destinations of `family` are matched in a rule (prefixes ending in a space). */
export function nodePortDestinations(settings: ProxySettings, family: IPFamily): string[] {
  const filtered = settings.nodePortAddressFilter.some((cidr) => cidr.includes(':') === (family === 'IPv6'));
  if (!filtered) {
    // No filter of this family: every local address, as kube-proxy; loopback only when asked.
    const loopback = family === 'IPv4' && !settings.localhostNodePorts ? '! -d 127.0.0.0/8 ' : '';
    return [`-m addrtype --dst-type LOCAL ${loopback}`];
  }
  const addresses = settings.nodePortAddresses.filter((address) => address.family === family).map((address) => `-d ${hostMatch(address.ip)} `);
  if (family === 'IPv4' && settings.localhostNodePorts) addresses.push('-d 127.0.0.1/32 ');
  return addresses;
}

/** Renders service port `port`'s chains and dispatch rules of `family`. */
export function renderServicePort(port: ServicePortPlan, family: IPFamily, settings: ProxySettings): RenderedServicePort {
  const frontends = port.frontends.filter((frontend) => frontend.family === family);
  if (frontends.length === 0) return EMPTY_RENDER;
  const renderer = new PortRenderer(port, family, settings);
  for (const frontend of frontends) {
    if (frontend.kind === 'ClusterIP') renderer.clusterIP(frontend);
    else renderer.external(frontend);
  }
  // One text for all chains: one join per port, the lines it joins die young.
  const lines: string[] = [];
  const chainNames: string[] = [];
  const chainEnds: number[] = [];
  let length = 0;
  for (const [name, rules] of renderer.chains) {
    chainNames.push(name);
    for (const rule of rules) {
      const line = `-A ${name} ${rule}`;
      lines.push(line);
      length += line.length + 1;
    }
    chainEnds.push(length);
  }
  return {
    chainNames,
    chainEnds,
    chainsText: lines.length === 0 ? '' : `${lines.join('\n')}\n`,
    services: chainText(PROXY_CHAINS.services, renderer.services),
    nodePorts: chainText(PROXY_CHAINS.nodePorts, renderer.nodePorts),
    servicesFilter: chainText(PROXY_CHAINS.servicesFilter, renderer.servicesFilter),
    externalServices: chainText(PROXY_CHAINS.externalServices, renderer.externalServices),
  };
}
