import type {
  ContainerPort,
  Endpoint,
  EndpointPort,
  EndpointSlice,
  IPFamily,
  LabelRequirement,
  LabelSelector,
  Namespace,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicyRule,
  Node,
  Pod,
  PodPhase,
  PolicyType,
  Service,
  ServicePort,
  StringMap,
} from '../../src/core/model/index.js';

/** Finished model objects with defaults, so each test states only what it is about. */

export function node(
  name: string,
  spec: { internalIPs?: string[]; podCIDRs?: string[]; externalIPs?: string[] } = {},
): Node {
  const podCIDRs = spec.podCIDRs ?? [];
  return {
    kind: 'Node',
    name,
    key: name,
    labels: {},
    annotations: {},
    internalIPs: spec.internalIPs ?? [],
    externalIPs: spec.externalIPs ?? [],
    podCIDR: podCIDRs[0],
    podCIDRs,
    unschedulable: false,
  };
}

export function namespace(name: string, labels: StringMap = {}): Namespace {
  return { kind: 'Namespace', name, key: name, labels, annotations: {} };
}

export function pod(
  key: string,
  spec: {
    node?: string;
    ips?: string[];
    labels?: StringMap;
    hostNetwork?: boolean;
    phase?: PodPhase;
    ports?: ContainerPort[];
  } = {},
): Pod {
  const [ns = '', name = ''] = key.split('/');
  return {
    kind: 'Pod',
    namespace: ns,
    name,
    key,
    labels: spec.labels ?? {},
    annotations: {},
    nodeName: spec.node,
    hostNetwork: spec.hostNetwork ?? false,
    phase: spec.phase ?? 'Running',
    podIPs: spec.ips ?? [],
    containers: [{ name: 'main', ports: spec.ports ?? [] }],
  };
}

export function tcpPort(port: number, name?: string): ServicePort {
  return { name: name ?? '', protocol: 'TCP', port, targetPort: port };
}

export function service(key: string, spec: Partial<Omit<Service, 'kind' | 'key' | 'namespace' | 'name'>> = {}): Service {
  const [ns = '', name = ''] = key.split('/');
  return {
    kind: 'Service',
    namespace: ns,
    name,
    key,
    labels: {},
    annotations: {},
    type: 'ClusterIP',
    clusterIPs: [],
    headless: false,
    ipFamilies: [],
    ports: [tcpPort(80)],
    externalIPs: [],
    loadBalancerIngress: [],
    loadBalancerSourceRanges: [],
    sessionAffinity: 'None',
    sessionAffinityTimeoutSeconds: 10800,
    externalTrafficPolicy: 'Cluster',
    internalTrafficPolicy: 'Cluster',
    publishNotReadyAddresses: false,
    ...spec,
  };
}

export function endpoint(
  ip: string,
  spec: { node?: string; ready?: boolean; serving?: boolean; terminating?: boolean; extra?: string[] } = {},
): Endpoint {
  const ready = spec.ready ?? true;
  return {
    addresses: [ip, ...(spec.extra ?? [])],
    conditions: { ready, serving: spec.serving ?? ready, terminating: spec.terminating ?? false },
    nodeName: spec.node,
  };
}

export function slice(
  key: string,
  serviceName: string,
  addressType: IPFamily | 'FQDN',
  ports: EndpointPort[],
  endpoints: Endpoint[],
): EndpointSlice {
  const [ns = '', name = ''] = key.split('/');
  return {
    kind: 'EndpointSlice',
    namespace: ns,
    name,
    key,
    labels: { 'kubernetes.io/service-name': serviceName },
    annotations: {},
    serviceName,
    addressType,
    endpoints,
    ports,
  };
}

export function slicePort(port: number, name = '', protocol: 'TCP' | 'UDP' | 'SCTP' = 'TCP'): EndpointPort {
  return { name, port, protocol };
}

export function selector(matchLabels: StringMap = {}, matchExpressions: LabelRequirement[] = []): LabelSelector {
  return { matchLabels, matchExpressions };
}

export function rule(peers: NetworkPolicyPeer[] = [], ports: NetworkPolicyPort[] = []): NetworkPolicyRule {
  return { peers, ports };
}

/**
 * A policy. Without `policyTypes`, they are inferred as the store infers them: Ingress
 * always, Egress when there are egress rules.
 */
export function policy(
  key: string,
  spec: {
    podSelector?: LabelSelector;
    ingress?: NetworkPolicyRule[];
    egress?: NetworkPolicyRule[];
    policyTypes?: PolicyType[];
  } = {},
): NetworkPolicy {
  const [ns = '', name = ''] = key.split('/');
  const egress = spec.egress ?? [];
  const inferred: PolicyType[] = egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  return {
    kind: 'NetworkPolicy',
    namespace: ns,
    name,
    key,
    labels: {},
    annotations: {},
    podSelector: spec.podSelector ?? selector(),
    policyTypes: spec.policyTypes ?? inferred,
    policyTypesExplicit: spec.policyTypes !== undefined,
    ingress: spec.ingress ?? [],
    egress,
  };
}
