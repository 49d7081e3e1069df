/**
 * Generates a raw cluster (the shape the API server returns) at the Kubernetes scalability
 * envelope, one object at a time so that a benchmark measures what the store keeps, not the
 * generator's input.
 */

/** The size of a generated cluster. */
export interface ClusterScale {
  readonly nodes: number;
  readonly namespaces: number;
  readonly pods: number;
  readonly services: number;
  readonly endpointsPerSlice: number;
  readonly networkPolicies: number;
}

/** 5,000 nodes, 150,000 pods, 10,000 services with one 10-endpoint slice each, 1,000 policies. */
export const ENVELOPE: ClusterScale = {
  nodes: 5_000,
  namespaces: 500,
  pods: 150_000,
  services: 10_000,
  endpointsPerSlice: 10,
  networkPolicies: 1_000,
};

const ip4 = (a: number, b: number, c: number, d: number): string => `${a}.${b}.${c}.${d}`;

/** Node `index`'s pod CIDR: 10.(index/256).(index%256).0/24. */
function nodePodCIDRBase(index: number): [number, number] {
  return [(index >> 8) & 255, index & 255];
}

export function rawNode(index: number): Record<string, unknown> {
  const [b, c] = nodePodCIDRBase(index);
  const cidr = `${ip4(10, b, c, 0)}/24`;
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${index}`, labels: { 'kubernetes.io/hostname': `node-${index}` }, resourceVersion: '1' },
    spec: { podCIDR: cidr, podCIDRs: [cidr] },
    status: {
      addresses: [
        { type: 'InternalIP', address: ip4(172, 16 + (index >> 16), (index >> 8) & 255, index & 255) },
        { type: 'Hostname', address: `node-${index}` },
      ],
    },
  };
}

export function rawNamespace(index: number): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${index}`, labels: { team: `team-${index % 20}` } } };
}

/** Which service a pod belongs to, and the pod's place among that service's pods. */
function podPlacement(index: number, scale: ClusterScale): { service: number; node: number; slot: number } {
  const node = index % scale.nodes;
  const slot = Math.floor(index / scale.nodes);
  return { service: index % scale.services, node, slot };
}

export function podIP(index: number, scale: ClusterScale): string {
  const { node, slot } = podPlacement(index, scale);
  const [b, c] = nodePodCIDRBase(node);
  return ip4(10, b, c, slot + 2);
}

export function podNamespace(serviceIndex: number, scale: ClusterScale): string {
  return `ns-${serviceIndex % scale.namespaces}`;
}

export function rawPod(index: number, scale: ClusterScale, version = 1): Record<string, unknown> {
  const { service, node } = podPlacement(index, scale);
  const ip = podIP(index, scale);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `svc-${service}-pod-${index}`,
      namespace: podNamespace(service, scale),
      uid: `pod-uid-${index}`,
      resourceVersion: String(version),
      labels: { app: `svc-${service}`, tier: index % 3 === 0 ? 'front' : 'back', 'pod-template-hash': `h${service}` },
    },
    spec: {
      nodeName: `node-${node}`,
      containers: [{ name: 'main', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
    },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

export function rawService(index: number, scale: ClusterScale): Record<string, unknown> {
  const clusterIP = ip4(10, 96 + (index >> 16), (index >> 8) & 255, index & 255);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${index}`, namespace: podNamespace(index, scale), resourceVersion: '1' },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      selector: { app: `svc-${index}` },
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 'http' }],
    },
  };
}

/** The slice of service `index`: its first `endpointsPerSlice` pods. */
export function rawSlice(index: number, scale: ClusterScale): Record<string, unknown> {
  const namespace = podNamespace(index, scale);
  const endpoints = [];
  for (let slot = 0; slot < scale.endpointsPerSlice; slot++) {
    const pod = index + slot * scale.services;
    const { node } = podPlacement(pod, scale);
    endpoints.push({
      addresses: [podIP(pod, scale)],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: `node-${node}`,
      targetRef: { kind: 'Pod', name: `svc-${index}-pod-${pod}`, namespace },
    });
  }
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `svc-${index}-abcde`,
      namespace,
      resourceVersion: '1',
      labels: { 'kubernetes.io/service-name': `svc-${index}` },
    },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

export function rawPolicy(index: number, scale: ClusterScale): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `policy-${index}`, namespace: `ns-${index % scale.namespaces}`, resourceVersion: '1' },
    spec: {
      podSelector: { matchLabels: { tier: 'front' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { team: `team-${index % 20}` } } }, { podSelector: { matchLabels: { tier: 'back' } } }],
          ports: [{ protocol: 'TCP', port: 8080 }],
        },
      ],
    },
  };
}

/** Every object of a cluster of `scale`, generated on demand, nodes and namespaces first. */
export function* generateCluster(scale: ClusterScale): Generator<Record<string, unknown>> {
  for (let index = 0; index < scale.nodes; index++) yield rawNode(index);
  for (let index = 0; index < scale.namespaces; index++) yield rawNamespace(index);
  for (let index = 0; index < scale.services; index++) yield rawService(index, scale);
  for (let index = 0; index < scale.pods; index++) yield rawPod(index, scale);
  for (let index = 0; index < scale.services; index++) yield rawSlice(index, scale);
  for (let index = 0; index < scale.networkPolicies; index++) yield rawPolicy(index, scale);
}
