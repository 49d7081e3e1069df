/**
 * Small builders of hand-made plans for the simulator's unit tests: every field a test does
 * not care about gets a neutral value, so each test shows only the decision it exercises.
 */
import { ipFamilyOf, type IPFamily, type Protocol } from '../../src/core/model/index.js';
import {
  fragmentMapOf,
  type CidrSet,
  type FamilyAddress,
  type FirewallPlan,
  type FirewallRulePlan,
  type PeerSet,
  type PodAddressSet,
  type PodFirewall,
  type PolicyPlan,
  type PortMatch,
  type ProxyEndpoint,
  type ProxyFrontend,
  type ProxyPlan,
  type ProxySettings,
  type ServicePortPlan,
} from '../../src/core/plan/index.js';

export function address(ip: string): FamilyAddress {
  return { ip, family: ipFamilyOf(ip) };
}

// ---------------------------------------------------------------- firewall

export function podEntry(key: string, ips: readonly string[], isolation: { ingress?: string[]; egress?: string[] } = {}): PodFirewall {
  return { pod: key, ips: ips.map(address), ingressPolicies: isolation.ingress ?? [], egressPolicies: isolation.egress ?? [] };
}

export function policy(key: string, rules: { ingress?: FirewallRulePlan[]; egress?: FirewallRulePlan[] }): PolicyPlan {
  return {
    key,
    policyTypes: [...(rules.ingress ? (['Ingress'] as const) : []), ...(rules.egress ? (['Egress'] as const) : [])],
    ingress: rules.ingress ?? [],
    egress: rules.egress ?? [],
  };
}

/** A rule; `'any'` for a rule without peers, else the ids of its peer sets. */
export function rule(peers: 'any' | readonly string[], ports: readonly PortMatch[] = []): FirewallRulePlan {
  return { peers: peers === 'any' ? { any: true } : { any: false, sets: peers }, ports };
}

export function port(protocol: Protocol, number?: number, endPort?: number, podSets?: readonly string[]): PortMatch {
  return { protocol, port: number, endPort, podSets };
}

export function podSet(id: string, addresses: readonly string[], family: IPFamily = 'IPv4'): PodAddressSet {
  return { id, kind: 'pods', family, addresses };
}

export function cidrSet(id: string, cidr: string, except: readonly string[] = []): CidrSet {
  return { id, kind: 'cidrs', family: ipFamilyOf(cidr), cidr, except };
}

export function firewallPlan(
  node: string,
  parts: { pods: PodFirewall[]; policies?: PolicyPlan[]; peerSets?: PeerSet[]; nodeAddresses?: string[] },
): FirewallPlan {
  return {
    node,
    nodeAddresses: (parts.nodeAddresses ?? []).map(address),
    pods: fragmentMapOf(parts.pods, (pod) => pod.pod),
    policies: fragmentMapOf(parts.policies ?? [], (entry) => entry.key),
    peerSets: fragmentMapOf(parts.peerSets ?? [], (set) => set.id),
  };
}

// ---------------------------------------------------------------- proxy

export function settings(parts: Partial<Omit<ProxySettings, 'nodeAddresses' | 'nodePortAddresses'>> & { nodeAddresses?: string[]; nodePortAddresses?: string[] } = {}): ProxySettings {
  const nodeAddresses = (parts.nodeAddresses ?? ['192.168.0.10']).map(address);
  return {
    clusterCIDRs: parts.clusterCIDRs ?? ['10.0.0.0/16'],
    serviceCIDRs: parts.serviceCIDRs ?? ['10.96.0.0/12'],
    masqueradeAll: parts.masqueradeAll ?? false,
    nodeAddresses,
    nodePortAddressFilter: parts.nodePortAddressFilter ?? [],
    nodePortAddresses: parts.nodePortAddresses ? parts.nodePortAddresses.map(address) : nodeAddresses,
    localhostNodePorts: parts.localhostNodePorts ?? false,
  };
}

export function endpoint(ip: string, portNumber: number, parts: Partial<ProxyEndpoint> = {}): ProxyEndpoint {
  return {
    ip,
    family: ipFamilyOf(ip),
    port: portNumber,
    nodeName: parts.nodeName ?? 'node-a',
    local: parts.local ?? false,
    ready: parts.ready ?? true,
    serving: parts.serving ?? true,
    terminating: parts.terminating ?? false,
  };
}

/** A frontend; defaults: Cluster policy, cluster set, no source ranges, masquerade outside cluster CIDRs. */
export function frontend(kind: ProxyFrontend['kind'], parts: Partial<ProxyFrontend> & { port: number }): ProxyFrontend {
  const trafficPolicy = parts.trafficPolicy ?? 'Cluster';
  return {
    kind,
    ip: parts.ip,
    family: parts.family ?? (parts.ip ? ipFamilyOf(parts.ip) : 'IPv4'),
    port: parts.port,
    trafficPolicy,
    endpoints: parts.endpoints ?? (trafficPolicy === 'Local' ? 'local' : 'cluster'),
    sourceRanges: parts.sourceRanges ?? [],
    masquerade: parts.masquerade ?? (kind === 'ClusterIP' ? 'outside-cluster-cidrs' : 'always'),
    shortCircuit: parts.shortCircuit,
    noEndpoints: parts.noEndpoints,
  };
}

export function servicePort(key: string, parts: Partial<ServicePortPlan> & { frontends: readonly ProxyFrontend[] }): ServicePortPlan {
  const [service = key] = key.split(':');
  const protocol = (key.split('/').pop() ?? 'TCP') as Protocol;
  return {
    key,
    service,
    portName: parts.portName ?? 'http',
    protocol: parts.protocol ?? protocol,
    frontends: parts.frontends,
    clusterEndpoints: parts.clusterEndpoints ?? [],
    localEndpoints: parts.localEndpoints ?? [],
    affinityTimeoutSeconds: parts.affinityTimeoutSeconds,
    healthCheckNodePort: parts.healthCheckNodePort,
    hairpinMasquerade: parts.hairpinMasquerade ?? true,
    kubeRouter: parts.kubeRouter,
  };
}

export function proxyPlan(node: string, planSettings: ProxySettings, servicePorts: ServicePortPlan[]): ProxyPlan {
  return { node, settings: planSettings, servicePorts: fragmentMapOf(servicePorts, (entry) => entry.key) };
}
