/**
 * What the IPVS proxy asks of netfilter, as kube-router does it: ipsets of the frontends and
 * a constant set of iptables rules that match them, so a service change is an ipset change
 * and the rules are written once.
 *
 * - filter `INPUT` jumps to `KUBE-ROUTER-SERVICES`: a LoadBalancer frontend with source
 *   ranges drops sources outside them (`kube-router-lb-fw`, `kube-router-lb-src`); frontends without endpoints are
 *   rejected or dropped as the plan says; traffic to a frontend (VIP, protocol, port) is
 *   accepted; anything else sent to a service VIP is rejected (the VIPs are local addresses
 *   on `kube-dummy-if`, and must not expose the node's own services).
 * - nat `PREROUTING` and `OUTPUT` jump to `KUBE-ROUTER-IPVS-MARK`, which marks new
 *   connections the plan masquerades: to an `always` frontend, or from outside the cluster
 *   CIDRs to an `outside-cluster-cidrs` one.
 * - nat `POSTROUTING` jumps to `KUBE-ROUTER-IPVS-POSTROUTING`: IPVS-forwarded (`-m ipvs
 *   --vdir ORIGINAL --vmethod MASQ`) marked packets, and hairpin packets (an endpoint
 *   balanced back to itself), are masqueraded.
 *
 * @module
 */
import type { IPFamily } from '../../core/model/index.js';
import type { ProxyPlan, ServicePortPlan } from '../../core/plan/proxy-plan.js';
import { canonicalAddress } from './netlink-attributes.js';
import { sourceRangeCidrs } from './ipvs-source-ranges.js';
import { SHORT_CIRCUIT_CHAIN } from './ipvs-short-circuit.js';

/** The mark bit of connections to masquerade. */
export const IPVS_MASQUERADE_MARK = '0x4000/0x4000';

/** The sets this backend owns, by role. */
export const IPVS_SET_ROLES = ['svip', 'svip-prt', 'masq-all', 'masq-out', 'reject', 'drop', 'hairpin', 'pod-subnets', 'lb-fw', 'lb-src'] as const;
/** One of {@link IPVS_SET_ROLES}. */
export type IpvsSetRole = (typeof IPVS_SET_ROLES)[number];

const SET_TYPES: Readonly<Record<IpvsSetRole, string>> = {
  svip: 'hash:ip',
  'svip-prt': 'hash:ip,port',
  'masq-all': 'hash:ip,port',
  'masq-out': 'hash:ip,port',
  reject: 'hash:ip,port',
  drop: 'hash:ip,port',
  hairpin: 'hash:ip,port,ip',
  'pod-subnets': 'hash:net',
  // LoadBalancer source ranges, as kube-proxy's IPVS mode keeps them (KUBE-LOAD-BALANCER-FW,
  // KUBE-LOAD-BALANCER-SOURCE-CIDR): the filtered frontends, and frontend plus allowed range.
  'lb-fw': 'hash:ip,port',
  'lb-src': 'hash:ip,port,net',
};

/** The chains, by hook. */
export const IPVS_CHAINS = {
  services: 'KUBE-ROUTER-SERVICES',
  mark: 'KUBE-ROUTER-IPVS-MARK',
  postrouting: 'KUBE-ROUTER-IPVS-POSTROUTING',
  shortCircuit: SHORT_CIRCUIT_CHAIN,
} as const;

/** The jumps from built-in chains: table, chain, target. */
export const IPVS_JUMPS: readonly { readonly table: string; readonly chain: string; readonly target: string }[] = [
  { table: 'filter', chain: 'INPUT', target: IPVS_CHAINS.services },
  { table: 'nat', chain: 'PREROUTING', target: IPVS_CHAINS.mark },
  { table: 'nat', chain: 'OUTPUT', target: IPVS_CHAINS.mark },
  { table: 'nat', chain: 'POSTROUTING', target: IPVS_CHAINS.postrouting },
  { table: 'nat', chain: 'PREROUTING', target: IPVS_CHAINS.shortCircuit },
  { table: 'nat', chain: 'OUTPUT', target: IPVS_CHAINS.shortCircuit },
];

/** kube-router's set name for a role and family (`kube-router-svip`, `inet6:kube-router-svip`). */
export function ipvsSetName(role: IpvsSetRole, family: IPFamily): string {
  return family === 'IPv4' ? `kube-router-${role}` : `inet6:kube-router-${role}`;
}

/** `create` line of a set (`-exist`: an existing set of that type is kept). */
export function ipvsSetCreateLine(role: IpvsSetRole, family: IPFamily): string {
  return `create ${ipvsSetName(role, family)} ${SET_TYPES[role]} family ${family === 'IPv4' ? 'inet' : 'inet6'} maxelem 1048576 -exist`;
}

/** Set members as `role family entry` strings (the unit the backend counts and diffs). */
export type SetMember = string;

/** A member key: role, family and ipset entry text. */
export function setMember(role: IpvsSetRole, family: IPFamily, entry: string): SetMember {
  return `${role} ${family} ${entry}`;
}

/** The role, family and entry of a member. */
export function parseSetMember(member: SetMember): { role: IpvsSetRole; family: IPFamily; entry: string } {
  const [role, family, entry] = member.split(' ') as [IpvsSetRole, IPFamily, string];
  return { role, family, entry };
}

function protocolWord(servicePort: ServicePortPlan): string {
  return servicePort.protocol.toLowerCase();
}

/**
 * The set members one service port needs: its VIPs, each frontend address with protocol and
 * port in the accept set and in the masquerade or no-endpoint set the plan names, and the
 * hairpin entries of its real servers. NodePorts use the plan's NodePort addresses.
 */
export function servicePortMembers(plan: ProxyPlan, servicePort: ServicePortPlan): SetMember[] {
  const members: SetMember[] = [];
  const protocol = protocolWord(servicePort);
  for (const frontend of servicePort.frontends) {
    const addresses = frontend.kind === 'NodePort'
      ? plan.settings.nodePortAddresses.filter((node) => node.family === frontend.family).map((node) => node.ip)
      : frontend.ip === undefined ? [] : [frontend.ip];
    for (const raw of addresses) {
      const address = canonicalAddress(raw);
      const entry = `${address},${protocol}:${frontend.port}`;
      if (frontend.kind !== 'NodePort') members.push(setMember('svip', frontend.family, address));
      members.push(setMember('svip-prt', frontend.family, entry));
      if (frontend.noEndpoints === 'REJECT') members.push(setMember('reject', frontend.family, entry));
      if (frontend.noEndpoints === 'DROP') members.push(setMember('drop', frontend.family, entry));
      if (frontend.masquerade === 'always') members.push(setMember('masq-all', frontend.family, entry));
      if (frontend.masquerade === 'outside-cluster-cidrs') members.push(setMember('masq-out', frontend.family, entry));
      const ranges = frontend.kind === 'LoadBalancer' ? sourceRangeCidrs(frontend) : undefined;
      if (ranges !== undefined) {
        members.push(setMember('lb-fw', frontend.family, entry));
        for (const range of ranges) members.push(setMember('lb-src', frontend.family, `${entry},${range}`));
      }
    }
  }
  if (servicePort.hairpinMasquerade || servicePort.kubeRouter?.hairpin === true) {
    for (const endpoint of [...servicePort.clusterEndpoints, ...servicePort.localEndpoints]) {
      const address = canonicalAddress(endpoint.ip);
      members.push(setMember('hairpin', endpoint.family, `${address},${protocol}:${endpoint.port},${address}`));
    }
  }
  return [...new Set(members)];
}

/** The plan-wide members: the cluster CIDRs (pods are not masqueraded by `outside-cluster-cidrs`). */
export function planWideMembers(plan: ProxyPlan): SetMember[] {
  return plan.settings.clusterCIDRs.map((cidr) => setMember('pod-subnets', cidr.includes(':') ? 'IPv6' : 'IPv4', cidr));
}

/** The `iptables-restore --noflush` payload of the chains for one family (declaring a chain flushes it). */
export function ipvsRulesPayload(family: IPFamily): string {
  const set = (role: IpvsSetRole): string => ipvsSetName(role, family);
  const reject = family === 'IPv4' ? 'icmp-port-unreachable' : 'icmp6-port-unreachable';
  const { services, mark, postrouting } = IPVS_CHAINS;
  return [
    '*filter',
    `:${services} - [0:0]`,
    `-A ${services} -m set --match-set ${set('lb-fw')} dst,dst -m set ! --match-set ${set('lb-src')} dst,dst,src -m comment --comment "outside the load balancer source ranges" -j DROP`,
    `-A ${services} -m set --match-set ${set('reject')} dst,dst -m comment --comment "service without endpoints" -j REJECT --reject-with ${reject}`,
    `-A ${services} -m set --match-set ${set('drop')} dst,dst -m comment --comment "no local endpoints" -j DROP`,
    `-A ${services} -m set --match-set ${set('svip-prt')} dst,dst -j ACCEPT`,
    `-A ${services} -m set --match-set ${set('svip')} dst -m comment --comment "other ports of service VIPs" -j REJECT --reject-with ${reject}`,
    'COMMIT',
    '*nat',
    `:${mark} - [0:0]`,
    `:${postrouting} - [0:0]`,
    `-A ${mark} -m set --match-set ${set('masq-all')} dst,dst -j MARK --set-xmark ${IPVS_MASQUERADE_MARK}`,
    `-A ${mark} -m set ! --match-set ${set('pod-subnets')} src -m set --match-set ${set('masq-out')} dst,dst -j MARK --set-xmark ${IPVS_MASQUERADE_MARK}`,
    `-A ${postrouting} -m mark --mark ${IPVS_MASQUERADE_MARK} -m ipvs --ipvs --vdir ORIGINAL --vmethod MASQ -j MASQUERADE`,
    `-A ${postrouting} -m ipvs --ipvs --vdir ORIGINAL --vmethod MASQ -m set --match-set ${set('hairpin')} src,dst,dst -m comment --comment "hairpin" -j MASQUERADE`,
    'COMMIT',
    '',
  ].join('\n');
}

/** The payload that empties and deletes the chains of one family (after the jumps are gone). */
export function ipvsRulesRemovalPayload(): string {
  const { services, mark, postrouting, shortCircuit } = IPVS_CHAINS;
  return [
    '*filter', `:${services} - [0:0]`, `-X ${services}`, 'COMMIT',
    '*nat', `:${mark} - [0:0]`, `:${postrouting} - [0:0]`, `:${shortCircuit} - [0:0]`, `-X ${mark}`, `-X ${postrouting}`, `-X ${shortCircuit}`, 'COMMIT', '',
  ].join('\n');
}
