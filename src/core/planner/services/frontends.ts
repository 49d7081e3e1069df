import { ipFamilyOf } from '../../model/ip-family.js';
import type { FrontendKind, MasqueradePolicy, ProxyFrontend, ShortCircuit } from '../../plan/index.js';
import type { IPFamily, Service, ServicePort } from '../../model/index.js';
import { compareAddresses, sortedUniqueCidrs } from '../common/addresses.js';
import { servedFamilies, usesLocalExternalPolicy, usesLocalInternalPolicy } from './service-traffic.js';

const KIND_ORDER: readonly FrontendKind[] = ['ClusterIP', 'NodePort', 'ExternalIP', 'LoadBalancer'];

/** kube-proxy's EXT chain for a Local policy: pods and the node go to the cluster set. */
const SHORT_CIRCUIT: ShortCircuit = Object.freeze({ endpoints: 'cluster', masqueradeFromNode: true });

/** A frontend before its verdict without endpoints is known (that needs the endpoint sets). */
export type FrontendWithoutVerdict = Omit<ProxyFrontend, 'noEndpoints'>;

/**
 * Every frontend of one service port, for each family the service is served in:
 *
 * - `ClusterIP`: one per cluster IP, on `port`; internalTrafficPolicy decides its policy. Its
 *   masquerade is `clusterIPMasquerade` (kube-proxy marks cluster IP traffic for masquerade
 *   under `--masquerade-all`, else only from outside the cluster CIDRs when the local traffic
 *   detector knows them, else never).
 * - `NodePort`: one per family when the port has a node port (no IP: it listens on the plan's
 *   `nodePortAddresses`); externalTrafficPolicy decides its policy.
 * - `ExternalIP`: one per external IP of the family, on `port`.
 * - `LoadBalancer`: one per `status.loadBalancer.ingress` IP of the family whose `ipMode` is
 *   `VIP`; `Proxy` ingresses are skipped, as kube-proxy skips them (the load balancer itself
 *   delivers to the node). `loadBalancerSourceRanges` of the same family go on these. As in
 *   kube-proxy, when every source range is of the other family the list is empty here,
 *   which allows every source of this family.
 *
 * External frontends (the last three) with externalTrafficPolicy Cluster masquerade always
 * (kube-proxy's EXT chain marks everything, since the endpoint may be on another node); with
 * Local they never do and carry the short circuit (pods and this node go to the cluster set;
 * the node's packets are masqueraded on that path, since the VIP is a local address).
 *
 * As in kube-proxy, node ports and load balancer IPs are taken whatever the service type says;
 * external IPs and ingress IPs of a family the service has no cluster IP of are dropped.
 *
 * @returns frontends sorted by kind (ClusterIP, NodePort, ExternalIP, LoadBalancer), family
 * (IPv4 first), then address; duplicates removed.
 */
export function planFrontends(
  service: Service,
  port: ServicePort,
  clusterIPMasquerade: MasqueradePolicy,
): FrontendWithoutVerdict[] {
  const internal = usesLocalInternalPolicy(service) ? LOCAL_INTERNAL : CLUSTER_INTERNAL;
  const external = usesLocalExternalPolicy(service) ? LOCAL_EXTERNAL : CLUSTER_EXTERNAL;
  const ingressIPs = service.loadBalancerIngress
    .filter((ingress) => ingress.ipMode === 'VIP' && ingress.ip !== undefined)
    .map((ingress) => ingress.ip as string);
  // Keyed only to drop duplicates; the order comes from the sort below, total on that key.
  const frontends = new Map<string, FrontendWithoutVerdict>();
  const add = (frontend: FrontendWithoutVerdict): void => {
    frontends.set(`${frontend.kind} ${frontend.family} ${frontend.ip ?? ''}`, frontend);
  };

  for (const family of servedFamilies(service)) {
    const ofFamily = (address: string): boolean => ipFamilyOf(address) === family;
    for (const ip of service.clusterIPs.filter(ofFamily)) {
      add({ kind: 'ClusterIP', ip, family, port: port.port, ...internal, sourceRanges: [], masquerade: clusterIPMasquerade });
    }
    if (port.nodePort !== undefined) {
      add({ kind: 'NodePort', family, port: port.nodePort, ...external, sourceRanges: [] });
    }
    for (const ip of service.externalIPs.filter(ofFamily)) {
      add({ kind: 'ExternalIP', ip, family, port: port.port, ...external, sourceRanges: [] });
    }
    const sourceRanges = sourceRangesOf(service, family);
    for (const ip of ingressIPs.filter(ofFamily)) {
      add({ kind: 'LoadBalancer', ip, family, port: port.port, ...external, sourceRanges });
    }
  }
  return [...frontends.values()].sort(compareFrontends);
}

type PolicyFields = Pick<ProxyFrontend, 'trafficPolicy' | 'endpoints'>;
type ExternalPolicyFields = PolicyFields & Pick<ProxyFrontend, 'masquerade' | 'shortCircuit'>;

const CLUSTER_INTERNAL: PolicyFields = { trafficPolicy: 'Cluster', endpoints: 'cluster' };
const LOCAL_INTERNAL: PolicyFields = { trafficPolicy: 'Local', endpoints: 'local' };
const CLUSTER_EXTERNAL: ExternalPolicyFields = { trafficPolicy: 'Cluster', endpoints: 'cluster', masquerade: 'always' };
const LOCAL_EXTERNAL: ExternalPolicyFields = {
  trafficPolicy: 'Local',
  endpoints: 'local',
  masquerade: 'never',
  shortCircuit: SHORT_CIRCUIT,
};

function sourceRangesOf(service: Service, family: IPFamily): string[] {
  return sortedUniqueCidrs(service.loadBalancerSourceRanges.filter((cidr) => ipFamilyOf(cidr) === family));
}

function compareFrontends(a: FrontendWithoutVerdict, b: FrontendWithoutVerdict): number {
  return (
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
    (a.family === b.family ? 0 : a.family === 'IPv4' ? -1 : 1) ||
    compareAddresses(a.ip ?? '', b.ip ?? '')
  );
}
