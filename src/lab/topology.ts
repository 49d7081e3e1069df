import { ipFamilyOf } from '../core/model/ip-family.js';
import type { ClusterSnapshot } from '../core/store/snapshot.js';
import type { Node, Pod } from '../core/model/index.js';
import { addressAt, cidrContains, prefixLengthOf, subnetOf } from './addresses.js';
import { LabConfigError } from './errors.js';
import {
  clientNetnsName,
  nodeNetnsName,
  nodeUplinkInterfaceName,
  podHostInterfaceName,
  podNetnsName,
  routerLegInterfaceName,
  routerNetnsName,
  routerUplinkInterfaceName,
  underlayNetnsName,
} from './names.js';

/** The transports the pod servers and probes speak (SCTP sockets are missing on this kernel). */
export type LabProtocol = 'tcp' | 'udp';

/** A port a pod server listens on. */
export interface LabPort {
  readonly port: number;
  readonly protocol: LabProtocol;
}

/** How the lab lays out the underlay; everything optional. */
export interface TopologyOptions {
  /** Nodes whose IPv4 InternalIPs share this prefix share an underlay L2 segment. Default 24. */
  readonly underlayPrefix?: number;
  /** Prefix of the IPv6 underlay subnets. Default 64. */
  readonly underlayPrefix6?: number;
  /**
   * Explicit underlay subnets (IPv4 CIDRs): a node joins the first that holds its IPv4
   * InternalIP; a node in none of them falls back to `underlayPrefix` grouping.
   */
  readonly underlaySubnets?: readonly string[];
  /** IPv4 address of the outside client. Default: a free address near the end of the first subnet (.250 in a /24). */
  readonly clientAddress?: string;
  /**
   * Ports every pod with its own namespace serves besides its declared ones (deduplicated), so
   * a probe on them meets a listener whatever the pod declares: a probe that does not connect
   * was then stopped by the network, not refused for want of a server.
   */
  readonly extraPodPorts?: readonly LabPort[];
}

/** One node: a namespace with kube-bridge and an uplink into its underlay. */
export interface LabNodePlan {
  readonly name: string;
  readonly index: number;
  readonly netns: string;
  /** InternalIPs, IPv4 first. */
  readonly internalIPs: readonly string[];
  /** `eth0` addresses in CIDR form (InternalIPs with the underlay prefix). */
  readonly underlayAddresses: readonly string[];
  /** kube-bridge addresses in CIDR form: the first address of each pod CIDR. */
  readonly bridgeAddresses: readonly string[];
  readonly podCIDRs: readonly string[];
  /** Index into `LabTopology.underlays`. */
  readonly underlay: number;
  /** Underlay-side name of the node's uplink veth. */
  readonly uplinkInterface: string;
  /** Default gateways (the router's address per family) when the lab has several subnets. */
  readonly gateways: readonly string[];
}

/** One pod: its own namespace (or its node's, for hostNetwork pods) and the ports it serves. */
export interface LabPodPlan {
  /** `namespace/name`. */
  readonly key: string;
  readonly index: number;
  readonly node: string;
  /** The pod's own namespace, or its node's namespace for hostNetwork pods. */
  readonly netns: string;
  readonly hostNetwork: boolean;
  /** Node-side end of the pod's veth; undefined for hostNetwork pods. */
  readonly hostInterface?: string | undefined;
  /** Pod IPs, in API order. */
  readonly ips: readonly string[];
  /** The pod's `eth0` addresses in CIDR form (empty for hostNetwork pods). */
  readonly addresses: readonly string[];
  /** Default gateways: kube-bridge's address per family. */
  readonly gateways: readonly string[];
  readonly ports: readonly LabPort[];
}

/** One L2 segment of the underlay: a namespace with a bridge. */
export interface LabUnderlayPlan {
  readonly index: number;
  readonly netns: string;
  /** IPv4 subnet, then the IPv6 subnet when its nodes have IPv6 InternalIPs. */
  readonly subnets: readonly string[];
  /** Names of the nodes on this segment. */
  readonly nodes: readonly string[];
}

/** One leg of the router into an underlay segment. */
export interface LabRouterLeg {
  readonly underlay: number;
  /** Router-side interface. */
  readonly interface: string;
  /** Underlay-side interface. */
  readonly uplinkInterface: string;
  /** Addresses in CIDR form, one per family of the segment. */
  readonly addresses: readonly string[];
}

/** The router joining underlay segments; present only when there are two or more. */
export interface LabRouterPlan {
  readonly netns: string;
  readonly legs: readonly LabRouterLeg[];
}

/** The namespace playing "outside the cluster", on the first underlay segment. */
export interface LabClientPlan {
  readonly netns: string;
  readonly underlay: number;
  readonly ip: string;
  /** `ip` in CIDR form. */
  readonly address: string;
  readonly gateways: readonly string[];
}

/** A pod the lab leaves out, and why. */
export interface SkippedPod {
  readonly key: string;
  readonly reason: string;
}

/** Everything `up` builds, as data: names, interfaces, addresses, routes. */
export interface LabTopology {
  readonly runId: string;
  readonly nodes: readonly LabNodePlan[];
  readonly pods: readonly LabPodPlan[];
  readonly underlays: readonly LabUnderlayPlan[];
  readonly router?: LabRouterPlan | undefined;
  readonly client: LabClientPlan;
  readonly skipped: readonly SkippedPod[];
  /** {@link TopologyOptions.extraPodPorts}, kept so `lab apply` builds new pods alike. */
  readonly extraPodPorts?: readonly LabPort[] | undefined;
}

/** The ports a pod without declared ports serves. */
export const DEFAULT_POD_PORTS: readonly LabPort[] = [
  { port: 80, protocol: 'tcp' },
  { port: 80, protocol: 'udp' },
];

/**
 * Lays out the lab for a snapshot: a pure function, so names and addresses are tested
 * without root. Throws `LabConfigError` listing every node that cannot be built.
 */
export function planTopology(
  snapshot: Pick<ClusterSnapshot, 'nodes' | 'pods'>,
  runId: string,
  options: TopologyOptions = {},
): LabTopology {
  const nodes = snapshot.nodes();
  const reasons = nodes.flatMap(nodeProblems);
  if (nodes.length === 0) reasons.push('the snapshot has no nodes');
  if (reasons.length > 0) throw new LabConfigError(reasons);

  const prefix4 = options.underlayPrefix ?? 24;
  const prefix6 = options.underlayPrefix6 ?? 64;
  const groups = groupBySubnet(nodes, prefix4, prefix6, options.underlaySubnets ?? []);
  const underlays: LabUnderlayPlan[] = groups.map((group, index) => ({
    index,
    netns: underlayNetnsName(runId, index),
    subnets: [group.subnet4, ...(group.subnet6 === undefined ? [] : [group.subnet6])],
    nodes: group.nodes.map((node) => node.name),
  }));
  const used = new Set(nodes.flatMap((node) => node.internalIPs));
  const router = underlays.length > 1 ? planRouter(runId, underlays, used) : undefined;
  const gatewaysOf = (underlay: number): string[] =>
    router?.legs[underlay]?.addresses.map((address) => address.split('/')[0] as string) ?? [];

  const nodePlans = nodes.map((node, index): LabNodePlan => {
    const underlay = groups.findIndex((group) => group.nodes.includes(node));
    return planNode(runId, node, index, underlay, (groups[underlay] as SubnetGroup).subnet4, prefix6, gatewaysOf(underlay));
  });
  const extraPodPorts = options.extraPodPorts ?? [];
  const { pods, skipped } = planPods(snapshot.pods(), nodePlans, runId, 0, extraPodPorts);
  const client = planClient(runId, underlays[0] as LabUnderlayPlan, used, options.clientAddress, gatewaysOf(0));
  return {
    runId, nodes: nodePlans, pods, underlays, router, client, skipped,
    ...(extraPodPorts.length > 0 ? { extraPodPorts: [...extraPodPorts] } : {}),
  };
}

/**
 * One node's plan: its namespace (named after `index`), underlay addresses on `subnet4` (and
 * `prefix6` for IPv6), kube-bridge addresses and gateways. Exported for `lab apply`, which
 * plans nodes joining a running lab with fresh indices.
 */
export function planNode(
  runId: string,
  node: Node,
  index: number,
  underlay: number,
  subnet4: string,
  prefix6: number,
  gateways: readonly string[],
): LabNodePlan {
  return {
    name: node.name,
    index,
    netns: nodeNetnsName(runId, index, node.name),
    internalIPs: orderedIPs(node),
    underlayAddresses: orderedIPs(node).map((ip) =>
      ipFamilyOf(ip) === 'IPv4' ? `${ip}/${prefixLengthOf(subnet4)}` : `${ip}/${prefix6}`),
    bridgeAddresses: node.podCIDRs.map((cidr) => `${addressAt(cidr, 1)}/${prefixLengthOf(cidr)}`),
    podCIDRs: node.podCIDRs,
    underlay,
    uplinkInterface: nodeUplinkInterfaceName(index),
    gateways: [...gateways],
  };
}

/** The node problems that keep it out of the lab (no IPv4 InternalIP or pod CIDR). */
export function nodeProblems(node: Node): string[] {
  const problems: string[] = [];
  if (!node.internalIPs.some((ip) => ipFamilyOf(ip) === 'IPv4')) problems.push(`node ${node.name} has no IPv4 InternalIP`);
  if (!node.podCIDRs.some((cidr) => ipFamilyOf(cidr) === 'IPv4')) {
    problems.push(`node ${node.name} has no IPv4 pod CIDR`);
  }
  return problems;
}

/** Nodes sharing one L2 segment. */
export interface SubnetGroup {
  readonly subnet4: string;
  subnet6?: string | undefined;
  readonly nodes: Node[];
}

/** IPv4 first, then IPv6, one of each: the order the underlay and the probes use. */
function orderedIPs(node: Node): string[] {
  const v4 = node.internalIPs.find((ip) => ipFamilyOf(ip) === 'IPv4');
  const v6 = node.internalIPs.find((ip) => ipFamilyOf(ip) === 'IPv6');
  return [v4, v6].filter((ip): ip is string => ip !== undefined);
}

/** Groups nodes into L2 segments by IPv4 subnet, in node order (the first node's segment is first). */
export function groupBySubnet(
  nodes: readonly Node[],
  prefix4: number,
  prefix6: number,
  explicit: readonly string[],
): SubnetGroup[] {
  const groups = new Map<string, SubnetGroup>();
  for (const node of nodes) {
    const [v4, v6] = orderedIPs(node);
    const subnet4 = explicit.find((cidr) => cidrContains(cidr, v4 as string)) ?? subnetOf(v4 as string, prefix4);
    let group = groups.get(subnet4);
    if (group === undefined) {
      group = { subnet4, nodes: [] };
      groups.set(subnet4, group);
    }
    group.nodes.push(node);
    if (v6 !== undefined && group.subnet6 === undefined) group.subnet6 = subnetOf(v6, prefix6);
  }
  return [...groups.values()];
}

/** The last usable address of `subnet` not yet used, counting down from `startOffset`. */
function freeAddressFromEnd(subnet: string, used: Set<string>, startOffset: number): string {
  for (let offset = startOffset; ; offset--) {
    const candidate = addressAt(subnet, offset);
    if (!used.has(candidate)) {
      used.add(candidate);
      return candidate;
    }
  }
}

function planRouter(runId: string, underlays: readonly LabUnderlayPlan[], used: Set<string>): LabRouterPlan {
  return {
    netns: routerNetnsName(runId),
    legs: underlays.map((underlay) => ({
      underlay: underlay.index,
      interface: routerLegInterfaceName(underlay.index),
      uplinkInterface: routerUplinkInterfaceName(underlay.index),
      // -2: the last address before the IPv4 broadcast (.254 in a /24); for IPv6 simply ...fffe.
      addresses: underlay.subnets.map((subnet) =>
        `${freeAddressFromEnd(subnet, used, -2)}/${prefixLengthOf(subnet)}`),
    })),
  };
}

function planClient(
  runId: string,
  underlay: LabUnderlayPlan,
  used: Set<string>,
  requested: string | undefined,
  gateways: readonly string[],
): LabClientPlan {
  const subnet = underlay.subnets[0] as string;
  if (requested !== undefined && !cidrContains(subnet, requested)) {
    throw new LabConfigError([`client address ${requested} is not in the first underlay subnet ${subnet}`]);
  }
  // -6: .250 in a /24, clear of the router's .254 and of the addresses people usually give nodes.
  const ip = requested ?? freeAddressFromEnd(subnet, used, -6);
  return {
    netns: clientNetnsName(runId),
    underlay: underlay.index,
    ip,
    address: `${ip}/${prefixLengthOf(subnet)}`,
    gateways: gateways.filter((gateway) => ipFamilyOf(gateway) === 'IPv4'),
  };
}

/**
 * The pods the lab builds, numbered from `firstIndex` (namespace and veth names carry the
 * number), and those it leaves out with the reason; pods with their own namespace also serve
 * `extraPorts`. Exported for `lab apply`.
 */
export function planPods(
  allPods: readonly Pod[],
  nodes: readonly LabNodePlan[],
  runId: string,
  firstIndex = 0,
  extraPorts: readonly LabPort[] = [],
): { pods: LabPodPlan[]; skipped: SkippedPod[] } {
  const pods: LabPodPlan[] = [];
  const skipped: SkippedPod[] = [];
  for (const pod of allPods) {
    const node = nodes.find((candidate) => candidate.name === pod.nodeName);
    const reason = skipReason(pod, node);
    if (reason !== undefined || node === undefined) {
      skipped.push({ key: pod.key, reason: reason ?? 'no node' });
      continue;
    }
    const declared = podPorts(pod);
    if (pod.hostNetwork) {
      const ports = declared;
      pods.push({ key: pod.key, index: firstIndex + pods.length, node: node.name, netns: node.netns, hostNetwork: true,
        ips: node.internalIPs, addresses: [], gateways: [], ports });
      continue;
    }
    const addresses: string[] = [];
    const gateways: string[] = [];
    let problem: string | undefined;
    for (const ip of pod.podIPs) {
      const family = ipFamilyOf(ip);
      const cidr = node.podCIDRs.find((candidate) => ipFamilyOf(candidate) === family);
      if (cidr === undefined) {
        problem = `pod IP ${ip} has no ${family} pod CIDR on node ${node.name}`;
        break;
      }
      const gateway = addressAt(cidr, 1);
      if (gateway === ip) {
        problem = `pod IP ${ip} is the kube-bridge address of node ${node.name}`;
        break;
      }
      // An IP outside the node's pod CIDR still works: a host route plus an on-link gateway.
      const length = cidrContains(cidr, ip) ? prefixLengthOf(cidr) : family === 'IPv4' ? 32 : 128;
      addresses.push(`${ip}/${length}`);
      gateways.push(gateway);
    }
    if (problem !== undefined) {
      skipped.push({ key: pod.key, reason: problem });
      continue;
    }
    const index = firstIndex + pods.length;
    const ports = withPorts(declared, extraPorts);
    pods.push({
      key: pod.key,
      index,
      node: node.name,
      netns: podNetnsName(runId, index, pod.key),
      hostNetwork: false,
      hostInterface: podHostInterfaceName(index),
      ips: pod.podIPs,
      addresses,
      gateways,
      ports,
    });
  }
  return { pods, skipped };
}

function skipReason(pod: Pod, node: LabNodePlan | undefined): string | undefined {
  if (pod.nodeName === undefined) return 'not scheduled to a node';
  if (node === undefined) return `node ${pod.nodeName} is not in the snapshot`;
  if (pod.phase === 'Succeeded' || pod.phase === 'Failed') return `phase ${pod.phase}: no network`;
  if (!pod.hostNetwork && pod.podIPs.length === 0) return 'no pod IP';
  return undefined;
}

/** `ports`, then those of `extra` not among them. */
function withPorts(ports: readonly LabPort[], extra: readonly LabPort[]): LabPort[] {
  const has = (candidate: LabPort): boolean => ports.some((port) => port.port === candidate.port && port.protocol === candidate.protocol);
  const added: LabPort[] = [];
  for (const port of extra) if (!has(port) && !added.some((other) => other.port === port.port && other.protocol === port.protocol)) added.push(port);
  return [...ports, ...added];
}

/** The pod's TCP and UDP container ports, deduplicated (SCTP left out); port 80 on both when it declares none. */
export function podPorts(pod: Pod): LabPort[] {
  const ports = new Map<string, LabPort>();
  const declared = pod.containers.some((container) => container.ports.length > 0);
  for (const container of pod.containers) {
    for (const port of container.ports) {
      if (port.protocol === 'SCTP') continue;
      const protocol: LabProtocol = port.protocol === 'TCP' ? 'tcp' : 'udp';
      ports.set(`${protocol}/${port.containerPort}`, { port: port.containerPort, protocol });
    }
  }
  return declared ? [...ports.values()] : [...DEFAULT_POD_PORTS];
}
