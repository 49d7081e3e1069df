/**
 * Builders of raw Kubernetes objects (the shape the API and manifests give) for store and
 * source tests. Only the fields the tests vary are parameters.
 */

export interface RawPodOptions {
  namespace?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  ip?: string;
  resourceVersion?: string;
}

export function rawPod(name: string, options: RawPodOptions = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      labels: options.labels ?? {},
      ...(options.resourceVersion ? { resourceVersion: options.resourceVersion } : {}),
    },
    spec: {
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      containers: [{ name: 'main', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }],
    },
    status: { phase: 'Running', ...(options.ip ? { podIP: options.ip, podIPs: [{ ip: options.ip }] } : {}) },
  };
}

export function rawNode(name: string, internalIP = '192.168.0.1', podCIDR = '10.244.0.0/24'): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: { podCIDR, podCIDRs: [podCIDR] },
    status: { addresses: [{ type: 'InternalIP', address: internalIP }] },
  };
}

export function rawNamespace(name: string, labels: Record<string, string> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function rawService(
  name: string,
  namespace = 'default',
  clusterIP = '10.96.0.10',
  port = 80,
): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      selector: { app: name },
      ports: [{ name: 'http', protocol: 'TCP', port, targetPort: 8080 }],
    },
  };
}

export function rawSlice(
  name: string,
  serviceName: string,
  namespace = 'default',
  addresses: string[] = ['10.244.0.5'],
): Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    endpoints: addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

export function rawPolicy(name: string, namespace = 'default', app = 'web'): Record<string, unknown> {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace },
    spec: {
      podSelector: { matchLabels: { app } },
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 8080 }] }],
    },
  };
}
