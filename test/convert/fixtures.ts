// Minimal valid raw objects of every kind. Each call returns a fresh copy that a test may
// change freely (`patched` clones before applying the change).

/** A raw object as a test builds it. */
// `any` on purpose: tests reach into and break raw objects at any depth, as real input may be.
export type Raw = Record<string, any>;

/** A copy of `base` with `change` applied to the copy. */
export function patched(base: Raw, change: (raw: Raw) => void): Raw {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

/** A running pod with one IPv4 address and one named port. */
export function rawPod(): Raw {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-0', namespace: 'shop', labels: { app: 'web' } },
    spec: { nodeName: 'node-a', containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] },
    status: { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] },
  };
}

/** A node with one InternalIP and one pod CIDR. */
export function rawNode(): Raw {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-a' },
    spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] },
    status: { addresses: [{ type: 'InternalIP', address: '192.168.0.10' }] },
  };
}

/** A ClusterIP service with one unnamed port. */
export function rawService(): Raw {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { selector: { app: 'web' }, clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080 }] },
  };
}

/** A LoadBalancer service with one named port and a node port. */
export function rawLoadBalancer(): Raw {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'edge', namespace: 'shop' },
    spec: {
      type: 'LoadBalancer',
      clusterIP: '10.96.0.20',
      ports: [{ name: 'https', port: 443, targetPort: 8443, nodePort: 30443 }],
    },
    status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } },
  };
}

/** An IPv4 EndpointSlice of service `web` with one endpoint and one port. */
export function rawSlice(): Raw {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc12', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true } }],
    ports: [{ name: '', port: 8080, protocol: 'TCP' }],
  };
}

/** A policy letting pods labelled `role: frontend` reach `app: web` on TCP 8080. */
export function rawPolicy(): Raw {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'allow-frontend', namespace: 'shop' },
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'frontend' } } }], ports: [{ port: 8080 }] }],
    },
  };
}
