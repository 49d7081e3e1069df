import type { IPFamily } from '../../../core/model/index.js';
import { hashedName, MAX_CHAIN_NAME } from '../kernel-names.js';

/**
 * The fixed chains of the iptables service proxy. Every name starts with `KR-` and none with
 * `KR-FW-` (the firewall's prefix), so the two backends never touch each other's chains.
 */
export const PROXY_CHAINS = {
  /** nat: dispatch by frontend address and port, from PREROUTING and OUTPUT. */
  services: 'KR-SERVICES',
  /** nat: NodePort dispatch by port, reached from KR-SERVICES for node addresses. */
  nodePorts: 'KR-NODEPORTS',
  /** nat: masquerades marked packets, from POSTROUTING. */
  postrouting: 'KR-POSTROUTING',
  /** nat: sets the masquerade mark bit. */
  markMasq: 'KR-MARK-MASQ',
  /** nat: sets the drop mark bit (LoadBalancer sources outside the source ranges). */
  markDrop: 'KR-MARK-DROP',
  /** nat: marks sources outside the cluster CIDRs, when a family has several of them. */
  masqOutside: 'KR-MASQ-OUTSIDE',
  /** filter: REJECT or DROP for frontends with an address and no endpoint. */
  servicesFilter: 'KR-SERVICES-FILTER',
  /** filter: REJECT or DROP for NodePorts without endpoints. */
  externalServices: 'KR-EXTERNAL-SERVICES',
  /** filter: drops packets carrying the drop mark. */
  proxyFirewall: 'KR-PROXY-FIREWALL',
} as const;

/** The fixed nat chains (dispatch and helpers), in payload order: all written on a full sync. */
export const NAT_DISPATCH_CHAINS: readonly string[] = [
  PROXY_CHAINS.services,
  PROXY_CHAINS.nodePorts,
  PROXY_CHAINS.postrouting,
  PROXY_CHAINS.markMasq,
  PROXY_CHAINS.markDrop,
  PROXY_CHAINS.masqOutside,
];

/** The fixed filter chains: all written on a full sync. */
export const FILTER_DISPATCH_CHAINS: readonly string[] = [
  PROXY_CHAINS.servicesFilter,
  PROXY_CHAINS.externalServices,
  PROXY_CHAINS.proxyFirewall,
];

/** Prefixes of the per-service-port chains (all in nat). */
export const PORT_CHAIN_PREFIXES = {
  /** Balancing over the cluster endpoint set. */
  cluster: 'KR-SVC-',
  /** Balancing over the local endpoint set. */
  local: 'KR-SVL-',
  /** One endpoint: DNAT, hairpin mark, affinity. */
  endpoint: 'KR-SEP-',
  /** One external frontend: masquerade, short circuit, endpoint set. */
  external: 'KR-EXT-',
  /** One LoadBalancer frontend's source ranges. */
  sourceRanges: 'KR-LBFW-',
} as const;

const OWNED_FIXED = new Set<string>(Object.values(PROXY_CHAINS));
const OWNED_PREFIXES = Object.values(PORT_CHAIN_PREFIXES);

/** True for a chain this backend creates (fixed or per service port), false for any other. */
export function isProxyChain(name: string): boolean {
  return OWNED_FIXED.has(name) || OWNED_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** A mark bit the proxy owns: packets carrying it are masqueraded in POSTROUTING. */
export const MASQ_MARK = '0x4000';
/** A mark bit the proxy owns: packets carrying it are dropped in filter. */
export const DROP_MARK = '0x8000';

// A NUL cannot occur in a key, an IP or a number, so joined parts never collide.
const SEPARATOR = '\u0000';
function portChain(prefix: string, text: string): string {
  return hashedName(prefix, text, MAX_CHAIN_NAME);
}

/** The chain balancing service port `key`'s cluster (or local) endpoints of `family`. */
export function endpointSetChain(key: string, family: IPFamily, set: 'cluster' | 'local'): string {
  return portChain(set === 'cluster' ? PORT_CHAIN_PREFIXES.cluster : PORT_CHAIN_PREFIXES.local, `${key}${SEPARATOR}${family}`);
}

/** The chain of one endpoint of service port `key`. */
export function endpointChain(key: string, ip: string, port: number): string {
  return portChain(PORT_CHAIN_PREFIXES.endpoint, `${key}${SEPARATOR}${ip}${SEPARATOR}${port}`);
}

/** The chain of one external frontend of service port `key`. */
export function externalChain(key: string, kind: string, ip: string | undefined, port: number, family: IPFamily): string {
  return portChain(PORT_CHAIN_PREFIXES.external, [key, kind, ip ?? '', port, family].join(SEPARATOR));
}

/** The source-range chain of one LoadBalancer frontend of service port `key`. */
export function sourceRangeChain(key: string, ip: string | undefined, port: number, family: IPFamily): string {
  return portChain(PORT_CHAIN_PREFIXES.sourceRanges, [key, ip ?? '', port, family].join(SEPARATOR));
}
