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
 * - filter `INPUT`, `FORWARD` and `OUTPUT` jump to `KUBE-ROUTER-SERVICE-CIDRS`: a new
 *   connection to an address of the service CIDRs (`kube-router-service-cidrs`) that is no
 *   service VIP (not in `kube-router-svip`) is refused, TCP with a reset and anything else
 *   with ICMP port unreachable, so a client of a deleted service fails at once instead of
 *   timing out. Such an address is not on `kube-dummy-if`: a pod's packet to it is forwarded
 *   (`FORWARD`), the node's own goes out (`OUTPUT`), and `INPUT` catches a VIP whose address
 *   is still on the interface after its set member went. VIPs, whatever their port, and
 *   packets of known connections are not matched; a VIP's ports no frontend serves are
 *   refused in `KUBE-ROUTER-SERVICES` as before.
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
export const IPVS_SET_ROLES = ['svip', 'svip-prt', 'masq-all', 'masq-out', 'reject', 'drop', 'hairpin', 'pod-subnets', 'lb-fw', 'lb-src', 'service-cidrs'] as const;
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
  // The service CIDRs (`--service-cluster-ip-range`), whose unallocated addresses are refused.
  'service-cidrs': 'hash:net',
};

/** The chains, by hook. */
export const IPVS_CHAINS = {
  services: 'KUBE-ROUTER-SERVICES',
  mark: 'KUBE-ROUTER-IPVS-MARK',
  postrouting: 'KUBE-ROUTER-IPVS-POSTROUTING',
  shortCircuit: SHORT_CIRCUIT_CHAIN,
  serviceCIDRs: 'KUBE-ROUTER-SERVICE-CIDRS',
} as const;

/** The jumps from built-in chains: table, chain, target. */
export const IPVS_JUMPS: readonly { readonly table: string; readonly chain: string; readonly target: string }[] = [
  { table: 'filter', chain: 'INPUT', target: IPVS_CHAINS.services },
  { table: 'nat', chain: 'PREROUTING', target: IPVS_CHAINS.mark },
  { table: 'nat', chain: 'OUTPUT', target: IPVS_CHAINS.mark },
  { table: 'nat', chain: 'POSTROUTING', target: IPVS_CHAINS.postrouting },
  { table: 'nat', chain: 'PREROUTING', target: IPVS_CHAINS.shortCircuit },
  { table: 'nat', chain: 'OUTPUT', target: IPVS_CHAINS.shortCircuit },
  { table: 'filter', chain: 'INPUT', target: IPVS_CHAINS.serviceCIDRs },
  { table: 'filter', chain: 'FORWARD', target: IPVS_CHAINS.serviceCIDRs },
  { table: 'filter', chain: 'OUTPUT', target: IPVS_CHAINS.serviceCIDRs },
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

const CIDR_TEXT = /^[0-9a-fA-F:.]{2,45}\/\d{1,3}$/;

function cidrFamily(cidr: string): IPFamily {
  return cidr.includes(':') ? 'IPv6' : 'IPv4';
}

/**
 * The plan-wide members: the cluster CIDRs (pods are not masqueraded by `outside-cluster-cidrs`)
 * and the service CIDRs (their addresses no VIP holds are refused). A /0 service CIDR is left
 * out: `hash:net` cannot hold it, and it would refuse every address that is no VIP.
 */
export function planWideMembers(plan: ProxyPlan): SetMember[] {
  const pods = plan.settings.clusterCIDRs.map((cidr) => setMember('pod-subnets', cidrFamily(cidr), cidr));
  // The planner validated them; the check keeps anything else out of an ipset payload all the same.
  const services = plan.settings.serviceCIDRs
    .filter((cidr) => CIDR_TEXT.test(cidr) && !cidr.endsWith('/0'))
    .map((cidr) => setMember('service-cidrs', cidrFamily(cidr), cidr));
  return [...pods, ...services];
}

/** The `iptables-restore --noflush` payload of the chains for one family (declaring a chain flushes it). */
export function ipvsRulesPayload(family: IPFamily): string {
  const set = (role: IpvsSetRole): string => ipvsSetName(role, family);
  const reject = family === 'IPv4' ? 'icmp-port-unreachable' : 'icmp6-port-unreachable';
  const { services, mark, postrouting, serviceCIDRs } = IPVS_CHAINS;
  const unallocated = `-m set --match-set ${set('service-cidrs')} dst -m set ! --match-set ${set('svip')} dst -m conntrack --ctstate NEW -m comment --comment "no service holds this address"`;
  return [
    '*filter',
    `:${services} - [0:0]`,
    `:${serviceCIDRs} - [0:0]`,
    `-A ${services} -m set --match-set ${set('lb-fw')} dst,dst -m set ! --match-set ${set('lb-src')} dst,dst,src -m comment --comment "outside the load balancer source ranges" -j DROP`,
    `-A ${services} -m set --match-set ${set('reject')} dst,dst -m comment --comment "service without endpoints" -j REJECT --reject-with ${reject}`,
    `-A ${services} -m set --match-set ${set('drop')} dst,dst -m comment --comment "no local endpoints" -j DROP`,
    `-A ${services} -m set --match-set ${set('svip-prt')} dst,dst -j ACCEPT`,
    `-A ${services} -m set --match-set ${set('svip')} dst -m comment --comment "other ports of service VIPs" -j REJECT --reject-with ${reject}`,
    `-A ${serviceCIDRs} -p tcp ${unallocated} -j REJECT --reject-with tcp-reset`,
    `-A ${serviceCIDRs} ${unallocated} -j REJECT --reject-with ${reject}`,
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
  const { services, mark, postrouting, shortCircuit, serviceCIDRs } = IPVS_CHAINS;
  return [
    '*filter', `:${services} - [0:0]`, `:${serviceCIDRs} - [0:0]`, `-X ${services}`, `-X ${serviceCIDRs}`, 'COMMIT',
    '*nat', `:${mark} - [0:0]`, `:${postrouting} - [0:0]`, `:${shortCircuit} - [0:0]`, `-X ${mark}`, `-X ${postrouting}`, `-X ${shortCircuit}`, 'COMMIT', '',
  ].join('\n');
}
