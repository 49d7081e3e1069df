import type { EndpointSetName, ProxySettings } from '../../../core/plan/proxy-plan.js';
import { addressKeyword, addressType, familyTag, isAddressText, MASQUERADE_MARK, type FamilyTag } from './proxy-names.js';
import { endpointMapName, type Dispatch } from './service-port-render.js';

/** One set or map of the fixed part of the table, with its elements from the settings. */
export interface SkeletonContainer {
  readonly kind: 'set' | 'map';
  readonly name: string;
  readonly declaration: string;
  readonly elements: readonly string[];
}

/** The fixed part of the table: sets and maps every service port fills, and the hook chains. */
export interface TableSkeleton {
  readonly containers: readonly SkeletonContainer[];
  readonly chains: readonly { readonly name: string; readonly base?: string; readonly rules: readonly string[] }[];
}

const TAGS: readonly FamilyTag[] = ['4', '6'];
const SETS: readonly EndpointSetName[] = ['cluster', 'local'];
const DISPATCHES: readonly Dispatch[] = ['vip', 'np'];

function addressesOf(list: readonly { ip: string; family: string }[], tag: FamilyTag): string[] {
  return list.filter((address) => familyTag(address.family as 'IPv4' | 'IPv6') === tag && isAddressText(address.ip, tag)).map((address) => address.ip);
}

/**
 * How NodePort destinations are matched for a family: the plan's `nodePortAddresses` when the
 * filter names a CIDR of that family; otherwise every local address (`fib daddr type local`), as
 * kube-proxy does without a filter, except loopback unless localhost NodePorts are on.
 */
function nodePortMatch(settings: ProxySettings, tag: FamilyTag): string {
  const ip = addressKeyword(tag);
  const filtered = settings.nodePortAddressFilter.some((cidr) => cidr.includes(':') === (tag === '6'));
  if (filtered) return `${ip} daddr @nodeport-addrs-${tag}`;
  const loopback = tag === '6' ? '::1' : '127.0.0.0/8';
  const keepLoopback = tag === '4' && settings.localhostNodePorts;
  return `meta nfproto ipv${tag} fib daddr type local${keepLoopback ? '' : ` ${ip} daddr != ${loopback}`}`;
}

function familyContainers(settings: ProxySettings, tag: FamilyTag): SkeletonContainer[] {
  const type = addressType(tag);
  const ip = addressKeyword(tag);
  const cidrs = settings.clusterCIDRs.filter((cidr) => isAddressText(cidr, tag, true));
  const serviceCIDRs = settings.serviceCIDRs.filter((cidr) => isAddressText(cidr, tag, true));
  const nodeAddrs = [...addressesOf(settings.nodeAddresses, tag), tag === '6' ? '::1' : '127.0.0.0/8'];
  const nodePortAddrs = [...addressesOf(settings.nodePortAddresses, tag), ...(tag === '4' && settings.localhostNodePorts ? ['127.0.0.1'] : [])];
  const vipKey = `type ${type} . inet_proto . inet_service : verdict`;
  const npKey = 'type inet_proto . inet_service : verdict';
  const endpointMaps = DISPATCHES.flatMap((where) =>
    SETS.map((set): SkeletonContainer => ({
      kind: 'map',
      name: endpointMapName(where, set, tag),
      declaration: `typeof ${where === 'vip' ? `${ip} daddr . ` : ''}meta l4proto . th dport . numgen random mod 1 : ${ip} daddr . tcp dport`,
      elements: [],
    })),
  );
  return [
    { kind: 'set', name: `cluster-cidrs-${tag}`, declaration: `type ${type}; flags interval;`, elements: cidrs },
    // auto-merge: overlapping service ranges (a /12 and a /16 inside it) are one interval, not an error.
    { kind: 'set', name: `service-cidrs-${tag}`, declaration: `type ${type}; flags interval; auto-merge;`, elements: serviceCIDRs },
    { kind: 'set', name: `node-addrs-${tag}`, declaration: `type ${type}; flags interval;`, elements: nodeAddrs },
    { kind: 'set', name: `nodeport-addrs-${tag}`, declaration: `type ${type};`, elements: [...new Set(nodePortAddrs)] },
    { kind: 'set', name: `hairpin-${tag}`, declaration: `type ${type} . ${type};`, elements: [] },
    { kind: 'map', name: `services-${tag}`, declaration: vipKey, elements: [] },
    { kind: 'map', name: `nodeports-${tag}`, declaration: npKey, elements: [] },
    { kind: 'map', name: `service-checks-${tag}`, declaration: vipKey, elements: [] },
    { kind: 'map', name: `nodeport-checks-${tag}`, declaration: npKey, elements: [] },
    ...endpointMaps,
  ];
}

function dispatchRules(settings: ProxySettings, prefix: 'services' | 'service-checks', nodePorts: 'nodeports' | 'nodeport-checks'): string[] {
  return TAGS.flatMap((tag) => [
    `${addressKeyword(tag)} daddr . meta l4proto . th dport vmap @${prefix}-${tag}`,
    `${nodePortMatch(settings, tag)} meta l4proto . th dport vmap @${nodePorts}-${tag}`,
  ]);
}

/**
 * The refusal of service addresses nobody holds, in filter chains after DNAT (priority 0 of
 * input, forward and output): a new connection whose destination is still in the service CIDRs
 * was taken by no dispatch entry (a DNATed one has the endpoint's address by then, and
 * `ct status dnat` exempts an endpoint that lies in the ranges itself), so no service holds
 * that address, port and protocol: a deleted service, a wrong port. kube-proxy rejects such
 * ports of allocated cluster IPs and drops unallocated addresses; this table refuses both (TCP
 * reset, else ICMP port unreachable), so a client of a deleted service fails at once instead of
 * timing out. The per-frontend verdicts (REJECT or DROP without endpoints) ran before, in the
 * pre-DNAT filter stage, and keep their answer.
 *
 * With localhost NodePorts (`route_localnet` on), the input chain also drops what reaches
 * 127.0.0.0/8 from outside it unless DNATed or part of a known connection, as kube-proxy does,
 * so that no neighbour reaches the node's loopback services.
 */
function unallocatedServiceChains(settings: ProxySettings): TableSkeleton['chains'] {
  const check = 'ct state new ct status & dnat == 0 jump service-cidrs-check';
  const localnet = settings.localhostNodePorts
    ? ['ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state != { established, related } ct status & dnat == 0 drop']
    : [];
  return [
    { name: 'reject-unallocated', rules: ['meta l4proto tcp reject with tcp reset', 'reject'] },
    { name: 'service-cidrs-check', rules: TAGS.map((tag) => `${addressKeyword(tag)} daddr @service-cidrs-${tag} goto reject-unallocated`) },
    { name: 'filter-input', base: 'type filter hook input priority 0; policy accept;', rules: [...localnet, check] },
    { name: 'filter-forward', base: 'type filter hook forward priority 0; policy accept;', rules: [check] },
    { name: 'filter-output-post-dnat', base: 'type filter hook output priority 0; policy accept;', rules: [check] },
  ];
}

/**
 * The table's fixed part for `settings`: per family the cluster CIDRs, node addresses (with
 * loopback), NodePort addresses, hairpin pairs, the dispatch verdict maps (VIP and NodePort, NAT
 * and filter stage) and the endpoint maps; a filter stage before DNAT (source ranges, REJECT and
 * DROP for new connections), the NAT dispatch in prerouting and output, masquerade by mark
 * plus hairpin in postrouting, and after DNAT the refusal of service CIDR addresses no service
 * holds (see {@link unallocatedServiceChains}).
 */
export function tableSkeleton(settings: ProxySettings): TableSkeleton {
  const hairpin = TAGS.map((tag) => `ct status dnat ${addressKeyword(tag)} saddr . ${addressKeyword(tag)} daddr @hairpin-${tag} masquerade`);
  return {
    containers: TAGS.flatMap((tag) => familyContainers(settings, tag)),
    chains: [
      { name: 'reject-packet', rules: ['reject'] },
      ...TAGS.map((tag) => ({
        name: `drop-unless-short-circuit-${tag}`,
        rules: [`${addressKeyword(tag)} saddr @node-addrs-${tag} return`, `${addressKeyword(tag)} saddr @cluster-cidrs-${tag} return`, 'drop'],
      })),
      { name: 'checks', rules: dispatchRules(settings, 'service-checks', 'nodeport-checks') },
      { name: 'services', rules: dispatchRules(settings, 'services', 'nodeports') },
      { name: 'filter-prerouting', base: 'type filter hook prerouting priority -110; policy accept;', rules: ['ct state new jump checks'] },
      { name: 'filter-output', base: 'type filter hook output priority -110; policy accept;', rules: ['ct state new jump checks'] },
      { name: 'nat-prerouting', base: 'type nat hook prerouting priority dstnat; policy accept;', rules: ['jump services'] },
      { name: 'nat-output', base: 'type nat hook output priority -100; policy accept;', rules: ['jump services'] },
      {
        name: 'nat-postrouting',
        base: 'type nat hook postrouting priority srcnat; policy accept;',
        rules: [`meta mark & ${MASQUERADE_MARK} == ${MASQUERADE_MARK} meta mark set meta mark & 0xffffbfff masquerade`, ...hairpin],
      },
      ...unallocatedServiceChains(settings),
    ],
  };
}
