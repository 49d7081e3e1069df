import type { EndpointSetName, MasqueradePolicy, ProxyEndpoint, ProxyFrontend, ServicePortPlan } from '../../../core/plan/proxy-plan.js';
import { addressKeyword, addressType, familyTag, isAddressText, isPort, MASQUERADE_MARK, servicePortId, type FamilyTag } from './proxy-names.js';
import type { TableObject } from './table-objects.js';

/** Where a frontend is dispatched: by VIP (`ip daddr . proto . port`) or as a NodePort (`proto . port`). */
export type Dispatch = 'vip' | 'np';

/** The objects of one service port and what had to be left out (bad addresses or ports). */
export interface RenderedServicePort {
  readonly objects: readonly TableObject[];
  /** One line per frontend or endpoint skipped because it cannot be programmed. */
  readonly skipped: readonly string[];
}

/** The endpoint map a balancer of (dispatch, set, family) reads. */
export function endpointMapName(where: Dispatch, set: EndpointSetName, tag: FamilyTag): string {
  return ENDPOINT_MAPS[where][set][tag];
}

type ByTag = Readonly<Record<FamilyTag, string>>;
const byTag = (name: (tag: FamilyTag) => string): ByTag => ({ '4': name('4'), '6': name('6') });

/**
 * Container names made once: every element of a render names its container, and one string
 * object per name (not one per element) keeps renders and what the backend remembers small.
 */
const ENDPOINT_MAPS: Readonly<Record<Dispatch, Readonly<Record<EndpointSetName, ByTag>>>> = {
  vip: { cluster: byTag((tag) => `vip-cluster-endpoints-${tag}`), local: byTag((tag) => `vip-local-endpoints-${tag}`) },
  np: { cluster: byTag((tag) => `np-cluster-endpoints-${tag}`), local: byTag((tag) => `np-local-endpoints-${tag}`) },
};
const NAT_DISPATCH: Readonly<Record<Dispatch, ByTag>> = { vip: byTag((tag) => `services-${tag}`), np: byTag((tag) => `nodeports-${tag}`) };
const CHECK_DISPATCH: Readonly<Record<Dispatch, ByTag>> = {
  vip: byTag((tag) => `service-checks-${tag}`),
  np: byTag((tag) => `nodeport-checks-${tag}`),
};
const HAIRPIN: ByTag = byTag((tag) => `hairpin-${tag}`);

/** The shared balancer chain for (dispatch, set, family, masquerade policy, endpoint count). */
export function balancerChainName(where: Dispatch, set: EndpointSetName, tag: FamilyTag, policy: MasqueradePolicy, count: number): string {
  const short = policy === 'outside-cluster-cidrs' ? 'outside' : policy;
  return `bal-${where}${tag}-${set}-${short}-${count}`;
}

/** The rule that sets the masquerade mark under `policy`, if any. */
export function markRules(policy: MasqueradePolicy, tag: FamilyTag): string[] {
  switch (policy) {
    case 'always':
      return [`meta mark set meta mark | ${MASQUERADE_MARK}`];
    case 'outside-cluster-cidrs':
      return [`${addressKeyword(tag)} saddr != @cluster-cidrs-${tag} meta mark set meta mark | ${MASQUERADE_MARK}`];
    case 'never':
      return [];
  }
}

/**
 * The rules of a shared balancer chain: mark by policy, then DNAT to slot `numgen mod count`.
 * The DNAT is written twice, for TCP first: nft 1.0.6 evaluates an endpoint map's typeof (its
 * value is `ip daddr . tcp dport`) in the first rule of a transaction that reads the map and
 * adds `meta l4proto tcp` to that rule. Were that rule the only DNAT of its chain, the chain
 * would DNAT TCP only and let UDP and SCTP pass untouched; as it is, that rule is for TCP
 * anyway, and the second serves every protocol.
 */
export function balancerRules(where: Dispatch, set: EndpointSetName, tag: FamilyTag, policy: MasqueradePolicy, count: number): string[] {
  const ip = addressKeyword(tag);
  const key = where === 'vip' ? `${ip} daddr . meta l4proto . th dport` : 'meta l4proto . th dport';
  const dnat = `dnat ${ip} to ${key} . numgen random mod ${count} map @${endpointMapName(where, set, tag)}`;
  return [...markRules(policy, tag), `meta l4proto tcp ${dnat}`, dnat];
}

/**
 * The shared balancer chains made so far, by name: every port of one shape uses the same chain,
 * so it is one object (not one copy per port) in a render and in what the backend remembers.
 * Bounded by the shapes (dispatch, set, family, policy) times the largest endpoint count seen.
 */
const balancerChains = new Map<string, Extract<TableObject, { kind: 'chain' }>>();

function balancerChain(where: Dispatch, set: EndpointSetName, tag: FamilyTag, policy: MasqueradePolicy, count: number): Extract<TableObject, { kind: 'chain' }> {
  const name = balancerChainName(where, set, tag, policy, count);
  let chain = balancerChains.get(name);
  if (chain === undefined) {
    chain = Object.freeze({ kind: 'chain', name, rules: Object.freeze(balancerRules(where, set, tag, policy, count)) });
    balancerChains.set(name, chain);
  }
  return chain;
}

function dnatTarget(endpoint: ProxyEndpoint, tag: FamilyTag): string {
  return tag === '6' ? `[${endpoint.ip}]:${endpoint.port}` : `${endpoint.ip}:${endpoint.port}`;
}

/** The index of (set, family) in a renderer's per-port caches. */
function cacheSlot(set: EndpointSetName, tag: FamilyTag): number {
  return (set === 'cluster' ? 0 : 2) + (tag === '6' ? 1 : 0);
}

/** Renders one service port; a fresh instance per call keeps the id and the skip list. */
class ServicePortRenderer {
  readonly objects: TableObject[] = [];
  readonly skipped: string[] = [];
  readonly id: string;
  readonly protocol: string;

  constructor(readonly port: ServicePortPlan) {
    this.id = servicePortId(port.key);
    this.protocol = port.protocol.toLowerCase();
  }

  /** The usable endpoints of (set, family), filtered once per port: frontends of a family share them. */
  readonly #usable: (ProxyEndpoint[] | undefined)[] = [];
  /** Their endpoint map values (`ip . port`), likewise. */
  readonly #targets: (string[] | undefined)[] = [];

  endpoints(set: EndpointSetName, tag: FamilyTag): ProxyEndpoint[] {
    const slot = cacheSlot(set, tag);
    const cached = this.#usable[slot];
    if (cached !== undefined) return cached;
    const all = set === 'cluster' ? this.port.clusterEndpoints : this.port.localEndpoints;
    const usable = all.filter((endpoint) => familyTag(endpoint.family) === tag && isAddressText(endpoint.ip, tag) && isPort(endpoint.port));
    this.#usable[slot] = usable;
    return usable;
  }

  targets(set: EndpointSetName, tag: FamilyTag): string[] {
    const slot = cacheSlot(set, tag);
    let targets = this.#targets[slot];
    if (targets === undefined) this.#targets[slot] = targets = this.endpoints(set, tag).map((endpoint) => `${endpoint.ip} . ${endpoint.port}`);
    return targets;
  }

  frontendKey(frontend: ProxyFrontend): string {
    const transport = `${this.protocol} . ${frontend.port}`;
    return frontend.kind === 'NodePort' ? transport : `${frontend.ip} . ${transport}`;
  }

  /** The verdict that balances over `set` with `policy` (shared chain, or affinity chains of this port). */
  balance(frontend: ProxyFrontend, index: number, set: EndpointSetName, policy: MasqueradePolicy): string | undefined {
    const tag = familyTag(frontend.family);
    const endpoints = this.endpoints(set, tag);
    if (endpoints.length === 0) return undefined;
    if (this.port.affinityTimeoutSeconds !== undefined) return this.affinity(frontend, index, set, policy, endpoints);
    const where: Dispatch = frontend.kind === 'NodePort' ? 'np' : 'vip';
    const key = this.frontendKey(frontend);
    const container = endpointMapName(where, set, tag);
    const prefix = `${key} . `;
    const targets = this.targets(set, tag);
    for (let slot = 0; slot < targets.length; slot++) this.objects.push({ kind: 'element', container, key: prefix + slot, value: targets[slot] });
    const chain = balancerChain(where, set, tag, policy, endpoints.length);
    this.objects.push(chain);
    return `goto ${chain.name}`;
  }

  /**
   * ClientIP affinity, kube-proxy's way but only for the service ports that ask for it: one
   * dynamic set per endpoint (shared by the port's frontends, so a client sticks whichever
   * frontend it uses) remembers recent clients with the plan's timeout.
   */
  affinity(frontend: ProxyFrontend, index: number, set: EndpointSetName, policy: MasqueradePolicy, endpoints: ProxyEndpoint[]): string {
    const tag = familyTag(frontend.family);
    const ip = addressKeyword(tag);
    const timeout = this.port.affinityTimeoutSeconds ?? 10800;
    const base = `aff-${this.id}-${index}-${set}`;
    const sticky: string[] = [];
    const picks: string[] = [];
    endpoints.forEach((endpoint, slot) => {
      const affinitySet = `clients-${servicePortId(`${this.port.key}\0${endpoint.ip}\0${endpoint.port}\0${timeout}`)}`;
      this.objects.push({ kind: 'set', name: affinitySet, declaration: `type ${addressType(tag)}; flags dynamic,timeout; timeout ${timeout}s;` });
      const target = `meta l4proto ${this.protocol} dnat ${ip} to ${dnatTarget(endpoint, tag)}`;
      sticky.push(`${ip} saddr @${affinitySet} ${target}`);
      this.objects.push({ kind: 'chain', name: `${base}-${slot}`, rules: [`update @${affinitySet} { ${ip} saddr }`, target] });
      picks.push(`${slot} : goto ${base}-${slot}`);
    });
    const rules = [...markRules(policy, tag), ...sticky, `numgen random mod ${endpoints.length} vmap { ${picks.join(', ')} }`];
    this.objects.push({ kind: 'chain', name: base, rules });
    return `goto ${base}`;
  }

  /** The NAT verdict of a frontend: its balancer, or a short circuit chain in front of it. */
  natVerdict(frontend: ProxyFrontend, index: number): string | undefined {
    const own = this.balance(frontend, index, frontend.endpoints, frontend.masquerade);
    if (frontend.shortCircuit === undefined) return own;
    const tag = familyTag(frontend.family);
    const ip = addressKeyword(tag);
    const rules: string[] = [];
    const shortPath = this.balance(frontend, index, 'cluster', 'never');
    if (shortPath !== undefined) {
      // Node packets first, as the simulator classes them: a node address counts even inside a pod CIDR.
      rules.push(`${ip} saddr @node-addrs-${tag} meta mark set meta mark | ${MASQUERADE_MARK} ${shortPath}`);
      rules.push(`${ip} saddr @cluster-cidrs-${tag} ${shortPath}`);
    }
    if (own !== undefined) rules.push(own);
    if (rules.length === 0) return undefined;
    const name = `sc-${this.id}-${index}`;
    this.objects.push({ kind: 'chain', name, rules });
    return `goto ${name}`;
  }

  /** The filter verdict of a frontend: source ranges and the verdict without endpoints. */
  checkVerdict(frontend: ProxyFrontend, index: number, hasNat: boolean): string | undefined {
    const tag = familyTag(frontend.family);
    const ranges = frontend.kind === 'LoadBalancer' ? frontend.sourceRanges : [];
    const bad = ranges.filter((range) => !isAddressText(range, tag, true));
    if (bad.length > 0) this.skipped.push(`${this.id} frontend ${index}: ${bad.length} source range(s) not of family IPv${tag} ignored`);
    const good = ranges.filter((range) => isAddressText(range, tag, true));
    const verdict = frontend.noEndpoints ?? (hasNat ? undefined : 'REJECT');
    const noEndpoints =
      verdict === 'REJECT' ? 'goto reject-packet' : verdict === 'DROP' ? (frontend.shortCircuit ? `goto drop-unless-short-circuit-${tag}` : 'drop') : undefined;
    if (good.length === 0) return noEndpoints;
    const name = `check-${this.id}-${index}`;
    this.objects.push({ kind: 'chain', name, rules: [`${addressKeyword(tag)} saddr != { ${good.join(', ')} } drop`, ...(noEndpoints ? [noEndpoints] : [])] });
    return `goto ${name}`;
  }

  frontend(frontend: ProxyFrontend, index: number): void {
    const tag = familyTag(frontend.family);
    if (!isPort(frontend.port) || (frontend.kind !== 'NodePort' && (frontend.ip === undefined || !isAddressText(frontend.ip, tag)))) {
      this.skipped.push(`${this.id} frontend ${index} (${frontend.kind}): not a valid IPv${tag} address and port`);
      return;
    }
    const where: Dispatch = frontend.kind === 'NodePort' ? 'np' : 'vip';
    const key = this.frontendKey(frontend);
    const nat = this.natVerdict(frontend, index);
    const check = this.checkVerdict(frontend, index, nat !== undefined);
    if (check !== undefined) this.objects.push({ kind: 'element', container: CHECK_DISPATCH[where][tag], key, value: check });
    if (nat !== undefined) this.objects.push({ kind: 'element', container: NAT_DISPATCH[where][tag], key, value: nat });
  }

  /** Hairpin pairs: only this node's endpoints can send to their own service through this node. */
  hairpins(): void {
    if (!this.port.hairpinMasquerade) return;
    for (const endpoint of [...this.port.clusterEndpoints, ...this.port.localEndpoints]) {
      const tag = familyTag(endpoint.family);
      if (endpoint.local && isAddressText(endpoint.ip, tag)) {
        this.objects.push({ kind: 'element', container: HAIRPIN[tag], key: `${endpoint.ip} . ${endpoint.ip}` });
      }
    }
  }
}

/**
 * The table objects of one service port: dispatch elements (one per frontend in the verdict map
 * of its family), endpoint elements keyed by (frontend . slot), the shared balancer chain it uses
 * (one per dispatch, set, family, masquerade policy and endpoint count, shared by every port of
 * that shape), and chains of its own only where a semantic needs them: a short circuit, source
 * ranges, session affinity. Duplicated objects (a hairpin pair of two ports) are reference counted
 * by the {@link ObjectStore}.
 */
export function renderServicePort(port: ServicePortPlan): RenderedServicePort {
  const renderer = new ServicePortRenderer(port);
  port.frontends.forEach((frontend, index) => renderer.frontend(frontend, index));
  renderer.hairpins();
  return { objects: renderer.objects, skipped: renderer.skipped };
}
