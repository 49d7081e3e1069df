/**
 * The IPVS traffic checks of the kernel VM: who sends what to which frontend of
 * traffic-cluster.yaml. Shared by the guest program (which sends) and the test (which asks the
 * simulator about the same packets).
 */
import { fileURLToPath } from 'node:url';

/** The manifests. */
export const TRAFFIC_MANIFEST = fileURLToPath(new URL('./traffic-cluster.yaml', import.meta.url));
/** `--cluster-cidr`. */
export const TRAFFIC_CLUSTER_CIDRS = ['10.244.0.0/16'];
/** `--service-cluster-ip-range`: holds every cluster IP of traffic-cluster.yaml (10.96.0.x). */
export const TRAFFIC_SERVICE_CIDRS = ['10.96.0.0/16'];
/** An address of the service CIDR that no service of traffic-cluster.yaml holds. */
export const UNALLOCATED_SERVICE_IP = '10.96.0.99';

/** One check: `connections` HTTP requests from a namespace to a frontend. */
export interface TrafficCase {
  readonly name: string;
  readonly fromNamespace: string;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly connections: number;
}

/** Namespaces and addresses the guest script builds (see ipvs-vm.test.ts). */
export const POD_CLIENT = { namespace: 'kripvs-pod-c', ip: '10.244.1.4' };
export const OUTSIDE_CLIENT = { namespace: 'kripvs-client', ip: '192.168.50.2' };
/** The node itself: its namespace, and its address towards its default route (the outside client). */
export const NODE_ITSELF = { namespace: 'kripvs-node', ip: '192.168.50.1' };
/** The node's address towards its pods (what masquerade writes as source there). */
export const NODE_BRIDGE_IP = '10.244.1.1';
/** The server pods: name each answers with, address. */
export const SERVER_PODS = [
  { name: 'pod-a', ip: '10.244.1.2' },
  { name: 'pod-b', ip: '10.244.1.3' },
];

/** The checks. */
export const TRAFFIC_CASES: readonly TrafficCase[] = [
  { name: 'ClusterIP from a pod', fromNamespace: POD_CLIENT.namespace, from: POD_CLIENT.ip, to: '10.96.0.10', port: 80, connections: 6 },
  { name: 'NodePort (Cluster policy) from outside', fromNamespace: OUTSIDE_CLIENT.namespace, from: OUTSIDE_CLIENT.ip, to: '192.168.50.1', port: 30080, connections: 6 },
  { name: 'NodePort (Local policy) from outside', fromNamespace: OUTSIDE_CLIENT.namespace, from: OUTSIDE_CLIENT.ip, to: '192.168.50.1', port: 30081, connections: 6 },
  { name: 'ClientIP affinity from a pod', fromNamespace: POD_CLIENT.namespace, from: POD_CLIENT.ip, to: '10.96.0.11', port: 80, connections: 6 },
  { name: 'ClusterIP without endpoints from a pod', fromNamespace: POD_CLIENT.namespace, from: POD_CLIENT.ip, to: '10.96.0.12', port: 80, connections: 2 },
  { name: 'LoadBalancer source range: the outside client allowed', fromNamespace: OUTSIDE_CLIENT.namespace, from: OUTSIDE_CLIENT.ip, to: '192.168.60.10', port: 80, connections: 4 },
  { name: 'LoadBalancer source range: a pod refused', fromNamespace: POD_CLIENT.namespace, from: POD_CLIENT.ip, to: '192.168.60.10', port: 80, connections: 1 },
  { name: 'LoadBalancer (Local policy) from outside: local endpoints only', fromNamespace: OUTSIDE_CLIENT.namespace, from: OUTSIDE_CLIENT.ip, to: '192.168.60.11', port: 80, connections: 4 },
  { name: 'LoadBalancer (Local policy) from a pod: the short circuit to every endpoint', fromNamespace: POD_CLIENT.namespace, from: POD_CLIENT.ip, to: '192.168.60.11', port: 80, connections: 4 },
  { name: 'ExternalIP with DSR from outside: tunnelled to both pods, answered by them directly', fromNamespace: OUTSIDE_CLIENT.namespace, from: OUTSIDE_CLIENT.ip, to: '192.168.70.10', port: 8080, connections: 6 },
  { name: 'an address of the service CIDR no service holds, from a pod', fromNamespace: POD_CLIENT.namespace, from: POD_CLIENT.ip, to: UNALLOCATED_SERVICE_IP, port: 80, connections: 2 },
  { name: 'an address of the service CIDR no service holds, from the node', fromNamespace: NODE_ITSELF.namespace, from: NODE_ITSELF.ip, to: UNALLOCATED_SERVICE_IP, port: 80, connections: 2 },
];

/**
 * Graceful deletion: the program holds one connection to each server of `app/guarded`'s
 * cluster IP from the pod client, takes pod-b out of the plan, resets the connections, and
 * records the backend's dumps until pod-b is gone. No other check sends to that cluster IP or
 * its NodePort, so no earlier connection (two minutes in TIME_WAIT) counts there.
 */
export const DRAIN_CASE = { serviceKey: 'app/guarded:http/TCP', clusterIP: '10.96.0.14', port: 80, nodePort: 30082, leaving: '10.244.1.3', gracePeriodMs: 60_000, drainCheckIntervalMs: 1000 } as const;

/** The DSR service of traffic-cluster.yaml: its external IP and port (the pods' port). */
export const DSR_CASE = { externalIP: '192.168.70.10', port: 8080 } as const;
