import { createHash } from 'node:crypto';
import type { ProxyEndpoint, ProxyFrontend, ProxyPlan, ServicePortPlan, EndpointSetName, MasqueradePolicy } from '../../../core/plan/proxy-plan.js';

/** The one table the nftables proxy owns (IPv4). */
export const PROXY_TABLE = 'kube-router-proxy';

/** The packet mark bit that asks for masquerade in postrouting (kube-proxy's 0x4000). */
const MASQUERADE_MARK = '0x4000';

type Where = 'vip' | 'np';

/** Per-service-port names come from a hash of the key, so no user-named text reaches the payload. */
export function servicePortId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

function protocolOf(port: ServicePortPlan): string {
  return port.protocol.toLowerCase();
}

function frontendKey(port: ServicePortPlan, frontend: ProxyFrontend): string {
  const transport = `${protocolOf(port)} . ${frontend.port}`;
  return frontend.kind === 'NodePort' ? transport : `${frontend.ip} . ${transport}`;
}

function whereOf(frontend: ProxyFrontend): Where {
  return frontend.kind === 'NodePort' ? 'np' : 'vip';
}

function endpointsOf(port: ServicePortPlan, set: EndpointSetName): ProxyEndpoint[] {
  const all = set === 'cluster' ? port.clusterEndpoints : port.localEndpoints;
  return all.filter((endpoint) => endpoint.family === 'IPv4');
}

function markRule(policy: MasqueradePolicy): string[] {
  switch (policy) {
    case 'always':
      return [`meta mark set meta mark | ${MASQUERADE_MARK}`];
    case 'outside-cluster-cidrs':
      return [`ip saddr != @cluster-cidrs meta mark set meta mark | ${MASQUERADE_MARK}`];
    case 'never':
      return [];
  }
}

/**
 * Collects the elements and chains of a whole table. Balancing chains are shared: one per
 * (vip or NodePort, endpoint set, masquerade policy, endpoint count), so 10,000 services need
 * only as many chains as there are distinct endpoint counts.
 */
class TableBuilder {
  readonly elements = new Map<string, string[]>();
  readonly chains = new Map<string, string[]>();
  readonly hairpins = new Set<string>();

  element(map: string, text: string): void {
    const list = this.elements.get(map) ?? [];
    list.push(text);
    this.elements.set(map, list);
  }

  /** The shared chain that marks by `policy` and DNATs to one of `count` slots of `set`. */
  balancer(where: Where, set: EndpointSetName, policy: MasqueradePolicy, count: number): string {
    const name = `${where}-${set}-${policy === 'outside-cluster-cidrs' ? 'outside' : policy}-${count}`;
    if (!this.chains.has(name)) {
      const key = where === 'vip' ? 'ip daddr . meta l4proto . th dport' : 'meta l4proto . th dport';
      this.chains.set(name, [...markRule(policy), `dnat to ${key} . numgen random mod ${count} map @${where}-${set}-endpoints`]);
    }
    return name;
  }
}

function addEndpoints(builder: TableBuilder, where: Where, set: EndpointSetName, key: string, endpoints: readonly ProxyEndpoint[]): void {
  endpoints.forEach((endpoint, slot) => builder.element(`${where}-${set}-endpoints`, `${key} . ${slot} : ${endpoint.ip} . ${endpoint.port}`));
}

/** The NAT verdict of one frontend: a shared balancer, or its own chain for the short circuit. */
function natVerdict(builder: TableBuilder, port: ServicePortPlan, frontend: ProxyFrontend, chainName: string): string | undefined {
  const where = whereOf(frontend);
  const key = frontendKey(port, frontend);
  const own = endpointsOf(port, frontend.endpoints);
  if (own.length > 0) addEndpoints(builder, where, frontend.endpoints, key, own);
  const ownBalancer = own.length > 0 ? builder.balancer(where, frontend.endpoints, frontend.masquerade, own.length) : undefined;
  if (frontend.shortCircuit === undefined) return ownBalancer === undefined ? undefined : `goto ${ownBalancer}`;
  const cluster = endpointsOf(port, 'cluster');
  const rules: string[] = [];
  if (cluster.length > 0) {
    if (frontend.endpoints !== 'cluster') addEndpoints(builder, where, 'cluster', key, cluster);
    const shortPath = builder.balancer(where, 'cluster', 'never', cluster.length);
    // Node packets first, as the simulator classes them: a node address counts even inside a pod CIDR.
    rules.push(`ip saddr @node-addrs meta mark set meta mark | ${MASQUERADE_MARK} goto ${shortPath}`);
    rules.push(`ip saddr @cluster-cidrs goto ${shortPath}`);
  }
  if (ownBalancer !== undefined) rules.push(`goto ${ownBalancer}`);
  builder.chains.set(chainName, rules);
  return `goto ${chainName}`;
}

/** The filter verdict of one frontend (source ranges, no endpoints), or undefined when none applies. */
function checkVerdict(builder: TableBuilder, frontend: ProxyFrontend, chainName: string): string | undefined {
  const ranges = frontend.kind === 'LoadBalancer' ? frontend.sourceRanges.filter((range) => !range.includes(':')) : [];
  const noEndpoints =
    frontend.noEndpoints === 'REJECT' ? 'goto reject-packet' : frontend.noEndpoints === 'DROP' ? (frontend.shortCircuit ? 'goto drop-unless-short-circuit' : 'drop') : undefined;
  if (ranges.length === 0) return noEndpoints;
  builder.chains.set(chainName, [`ip saddr != { ${ranges.join(', ')} } drop`, ...(noEndpoints ? [noEndpoints] : [])]);
  return `goto ${chainName}`;
}

function renderServicePort(builder: TableBuilder, port: ServicePortPlan): void {
  const id = servicePortId(port.key);
  port.frontends.forEach((frontend, index) => {
    if (frontend.family !== 'IPv4') return;
    const where = whereOf(frontend);
    const key = frontendKey(port, frontend);
    const check = checkVerdict(builder, frontend, `check-${id}-${index}`);
    if (check !== undefined) builder.element(`${where}-checks`, `${key} : ${check}`);
    const nat = natVerdict(builder, port, frontend, `sc-${id}-${index}`);
    if (nat !== undefined) builder.element(`${where}-frontends`, `${key} : ${nat}`);
  });
  if (port.hairpinMasquerade) {
    for (const endpoint of [...port.clusterEndpoints, ...port.localEndpoints]) {
      if (endpoint.family === 'IPv4') builder.hairpins.add(`${endpoint.ip} . ${endpoint.ip}`);
    }
  }
}

function elementsLine(list: readonly string[] | undefined): string[] {
  return list === undefined || list.length === 0 ? [] : [`    elements = { ${list.join(',\n      ')} }`];
}

function setBlock(name: string, type: string, list: readonly string[] | undefined, flags = ''): string[] {
  return [`  set ${name} {`, `    type ${type}`, ...(flags ? [`    flags ${flags}`] : []), ...elementsLine(list), '  }'];
}

function mapBlock(name: string, declaration: string, list: readonly string[] | undefined): string[] {
  return [`  map ${name} {`, `    ${declaration}`, ...elementsLine(list), '  }'];
}

function chainBlock(name: string, rules: readonly string[], base = ''): string[] {
  return [`  chain ${name} {`, ...(base ? [`    ${base}`] : []), ...rules.map((rule) => `    ${rule}`), '  }'];
}

/**
 * The whole IPv4 table for `plan`, as `nft -f` text: dispatch through verdict maps keyed by
 * `ip daddr . meta l4proto . th dport` (NodePorts by `meta l4proto . th dport` on the NodePort
 * addresses), balancing by `numgen random mod N` into maps keyed by (frontend . slot), a filter
 * stage before DNAT for LoadBalancer source ranges and frontends without endpoints, and
 * masquerade by mark plus hairpin in postrouting.
 */
export function renderProxyTable(plan: ProxyPlan): string {
  const builder = new TableBuilder();
  for (const port of plan.servicePorts.values()) renderServicePort(builder, port);
  const { settings } = plan;
  const v4 = (ip: string) => !ip.includes(':');
  const nodeAddrs = [...settings.nodeAddresses.map((a) => a.ip).filter(v4), '127.0.0.0/8'];
  const nodePortAddrs = [...settings.nodePortAddresses.map((a) => a.ip).filter(v4), ...(settings.localhostNodePorts ? ['127.0.0.1'] : [])];
  const vipKey = 'type ipv4_addr . inet_proto . inet_service : verdict';
  const npKey = 'type inet_proto . inet_service : verdict';
  const lines = [
    `table ip ${PROXY_TABLE} {`,
    ...setBlock('cluster-cidrs', 'ipv4_addr', settings.clusterCIDRs.filter(v4), 'interval'),
    ...setBlock('node-addrs', 'ipv4_addr', nodeAddrs, 'interval'),
    ...setBlock('nodeport-addrs', 'ipv4_addr', nodePortAddrs),
    ...setBlock('hairpin', 'ipv4_addr . ipv4_addr', [...builder.hairpins]),
    ...mapBlock('vip-frontends', vipKey, builder.elements.get('vip-frontends')),
    ...mapBlock('np-frontends', npKey, builder.elements.get('np-frontends')),
    ...mapBlock('vip-checks', vipKey, builder.elements.get('vip-checks')),
    ...mapBlock('np-checks', npKey, builder.elements.get('np-checks')),
    ...(['vip', 'np'] as const).flatMap((where) =>
      (['cluster', 'local'] as const).flatMap((set) =>
        mapBlock(
          `${where}-${set}-endpoints`,
          `typeof ${where === 'vip' ? 'ip daddr . ' : ''}meta l4proto . th dport . numgen random mod 1 : ip daddr . th dport`,
          builder.elements.get(`${where}-${set}-endpoints`),
        ),
      ),
    ),
    ...chainBlock('reject-packet', ['reject']),
    ...chainBlock('drop-unless-short-circuit', ['ip saddr @node-addrs return', 'ip saddr @cluster-cidrs return', 'drop']),
    ...[...builder.chains].flatMap(([name, rules]) => chainBlock(name, rules)),
    ...chainBlock('checks', [
      'ip daddr . meta l4proto . th dport vmap @vip-checks',
      'ip daddr @nodeport-addrs meta l4proto . th dport vmap @np-checks',
    ]),
    ...chainBlock('services', [
      'ip daddr . meta l4proto . th dport vmap @vip-frontends',
      'ip daddr @nodeport-addrs meta l4proto . th dport vmap @np-frontends',
    ]),
    ...chainBlock('filter-prerouting', ['ct state new jump checks'], 'type filter hook prerouting priority -110; policy accept;'),
    ...chainBlock('filter-output', ['ct state new jump checks'], 'type filter hook output priority -110; policy accept;'),
    ...chainBlock('nat-prerouting', ['jump services'], 'type nat hook prerouting priority dstnat; policy accept;'),
    ...chainBlock('nat-output', ['jump services'], 'type nat hook output priority -100; policy accept;'),
    ...chainBlock(
      'nat-postrouting',
      [`meta mark & ${MASQUERADE_MARK} == ${MASQUERADE_MARK} masquerade`, 'ct status dnat ip saddr . ip daddr @hairpin masquerade'],
      'type nat hook postrouting priority srcnat; policy accept;',
    ),
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

/** Deletes the table if it exists, in one transaction (create-then-delete never fails on absence). */
export function deleteProxyTable(): string {
  return `table ip ${PROXY_TABLE} {}\ndelete table ip ${PROXY_TABLE}\n`;
}

/** One transaction that replaces the table with the one of `plan`. */
export function replaceProxyTable(plan: ProxyPlan): string {
  return deleteProxyTable() + renderProxyTable(plan);
}
