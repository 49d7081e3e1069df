import { ipFamilyOf } from '../core/model/ip-family.js';
import { CLIENT_UPLINK_INTERFACE, NODE_BRIDGE, PRIMARY_INTERFACE, UNDERLAY_BRIDGE } from './names.js';
import type { LabNodePlan, LabPodPlan, LabTopology } from './topology.js';

/** `ip -batch` lines to run inside one namespace (`ip -n NETNS -batch -`). */
export interface NetnsBatch {
  readonly netns: string;
  readonly lines: readonly string[];
}

/**
 * The configuration of a lab as `ip` batches, in stages: every batch of a stage may run in
 * parallel, and a stage starts when the previous one is done (a veth end must exist before
 * the namespace that owns it configures it). Every veth is created with both ends directly in
 * lab namespaces (`peer ... netns`), so no interface ever appears in the root namespace.
 */
export function planIpStages(topology: LabTopology): NetnsBatch[][] {
  return [underlayStage(topology), nodeStage(topology), podStage(topology)];
}

/** All namespaces of the lab, in creation order. */
export function labNamespaces(topology: LabTopology): string[] {
  return [
    ...topology.underlays.map((underlay) => underlay.netns),
    ...(topology.router ? [topology.router.netns] : []),
    topology.client.netns,
    ...topology.nodes.map((node) => node.netns),
    ...topology.pods.filter((pod) => !pod.hostNetwork).map((pod) => pod.netns),
  ];
}

/** Stage 1: each underlay bridge, with one veth per node (and router leg, and the client). */
function underlayStage(topology: LabTopology): NetnsBatch[] {
  return topology.underlays.map((underlay) => {
    const lines = ['link set lo up', `link add ${UNDERLAY_BRIDGE} type bridge`, `link set ${UNDERLAY_BRIDGE} up`];
    const attach = (local: string, peer: string, peerNetns: string): void => {
      lines.push(`link add ${local} type veth peer name ${peer} netns ${peerNetns}`);
      lines.push(`link set ${local} master ${UNDERLAY_BRIDGE} up`);
    };
    for (const node of topology.nodes.filter((candidate) => candidate.underlay === underlay.index)) {
      attach(node.uplinkInterface, PRIMARY_INTERFACE, node.netns);
    }
    const leg = topology.router?.legs.find((candidate) => candidate.underlay === underlay.index);
    if (leg && topology.router) attach(leg.uplinkInterface, leg.interface, topology.router.netns);
    if (topology.client.underlay === underlay.index) {
      attach(CLIENT_UPLINK_INTERFACE, PRIMARY_INTERFACE, topology.client.netns);
    }
    return { netns: underlay.netns, lines };
  });
}

/** Stage 2: node uplinks, kube-bridges and pod veths; the router's legs; the client. */
function nodeStage(topology: LabTopology): NetnsBatch[] {
  const batches: NetnsBatch[] = topology.nodes.map((node) => nodeBatch(node, topology.pods));
  const router = topology.router;
  if (router) {
    const lines = ['link set lo up'];
    for (const leg of router.legs) {
      lines.push(...addAddresses(leg.addresses, leg.interface), `link set ${leg.interface} up`);
    }
    batches.push({ netns: router.netns, lines });
  }
  const client = topology.client;
  batches.push({
    netns: client.netns,
    lines: [
      'link set lo up',
      ...addAddresses([client.address], PRIMARY_INTERFACE),
      `link set ${PRIMARY_INTERFACE} up`,
      ...defaultRoutes(client.gateways, PRIMARY_INTERFACE),
    ],
  });
  return batches;
}

/**
 * One node's configuration: uplink address and default routes, kube-bridge, and a veth per
 * pod of `pods` on it. Exported for `lab apply`, which builds nodes joining a running lab.
 */
export function nodeBatch(node: LabNodePlan, pods: readonly LabPodPlan[]): NetnsBatch {
  const lines = ['link set lo up'];
  lines.push(...addAddresses(node.underlayAddresses, PRIMARY_INTERFACE));
  lines.push(`link set ${PRIMARY_INTERFACE} up`);
  lines.push(...defaultRoutes(node.gateways, PRIMARY_INTERFACE));
  lines.push(`link add ${NODE_BRIDGE} type bridge`);
  lines.push(...addAddresses(node.bridgeAddresses, NODE_BRIDGE));
  lines.push(`link set ${NODE_BRIDGE} up`);
  lines.push(...podVethLines(node, pods));
  return { netns: node.netns, lines };
}

/** The node-side lines joining `pods` on `node` to its kube-bridge (veths born with the pod end in the pod's namespace). */
export function podVethLines(node: LabNodePlan, pods: readonly LabPodPlan[]): string[] {
  const lines: string[] = [];
  for (const pod of pods.filter((candidate) => candidate.node === node.name && !candidate.hostNetwork)) {
    lines.push(`link add ${pod.hostInterface} type veth peer name ${PRIMARY_INTERFACE} netns ${pod.netns}`);
    lines.push(`link set ${pod.hostInterface} master ${NODE_BRIDGE} up`);
    // Hairpin, as kube-router sets it on its bridge ports: a pod's packet to its own service,
    // DNATed back to the pod, is bridged out of the port it came in by.
    lines.push(`link set ${pod.hostInterface} type bridge_slave hairpin on`);
  }
  return lines;
}

/** The underlay-side lines attaching `node` to its segment's bridge. */
export function nodeUplinkLines(node: LabNodePlan): string[] {
  return [
    `link add ${node.uplinkInterface} type veth peer name ${PRIMARY_INTERFACE} netns ${node.netns}`,
    `link set ${node.uplinkInterface} master ${UNDERLAY_BRIDGE} up`,
  ];
}

/** Stage 3: each pod's address and default route via its node's kube-bridge. */
function podStage(topology: LabTopology): NetnsBatch[] {
  return topology.pods.filter((pod) => !pod.hostNetwork).map(podBatch);
}

/** One pod's address and default route via its node's kube-bridge. */
export function podBatch(pod: LabPodPlan): NetnsBatch {
  return {
    netns: pod.netns,
    lines: [
      'link set lo up',
      ...addAddresses(pod.addresses, PRIMARY_INTERFACE),
      `link set ${PRIMARY_INTERFACE} up`,
      // onlink: the gateway is reachable even when the pod IP lies outside the pod CIDR.
      ...defaultRoutes(pod.gateways, PRIMARY_INTERFACE, true),
    ],
  };
}

function addAddresses(addresses: readonly string[], device: string): string[] {
  // nodad: duplicate address detection would hold IPv6 addresses "tentative" for a second or more.
  return addresses.map((address) =>
    ipFamilyOf(address) === 'IPv6'
      ? `address add ${address} dev ${device} nodad`
      : `address add ${address} dev ${device}`);
}

function defaultRoutes(gateways: readonly string[], device: string, onlink = false): string[] {
  return gateways.map((gateway) => {
    const destination = ipFamilyOf(gateway) === 'IPv4' ? '0.0.0.0/0' : '::/0';
    return `route add ${destination} via ${gateway} dev ${device}${onlink ? ' onlink' : ''}`;
  });
}

/** Sysctls of a node namespace: forwarding on, bridged traffic through iptables (as kube-router needs). */
export const NODE_SYSCTLS: readonly string[] = [
  'net.ipv4.ip_forward=1',
  'net.ipv6.conf.all.forwarding=1',
  'net.bridge.bridge-nf-call-iptables=1',
  'net.bridge.bridge-nf-call-ip6tables=1',
  // A REJECT answers with ICMP; the kernel's default rate limit (a burst of about 6 per
  // destination) would turn a run of rejected probes into timeouts.
  'net.ipv4.icmp_ratelimit=0',
  'net.ipv6.icmp.ratelimit=0',
];

/** Sysctls of the router namespace. */
export const ROUTER_SYSCTLS: readonly string[] = ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1'];
