import { ipFamilyOf } from '../../model/ip-family.js';
import type { FrontendKind, ProxyFrontend } from '../../plan/index.js';
import type { IPFamily, Service, ServicePort } from '../../model/index.js';
import { compareAddresses, sortedUniqueCidrs } from '../common/addresses.js';
import { servedFamilies, usesLocalExternalPolicy, usesLocalInternalPolicy } from './service-traffic.js';

const KIND_ORDER: readonly FrontendKind[] = ['ClusterIP', 'NodePort', 'ExternalIP', 'LoadBalancer'];

/**
 * Every frontend of one service port, for each family the service is served in:
 *
 * - `ClusterIP`: one per cluster IP, on `port`; internalTrafficPolicy decides its policy.
 * - `NodePort`: one per family when the port has a node port (no IP: the backend matches the
 *   node addresses `nodePortAddresses` allows); externalTrafficPolicy decides its policy.
 * - `ExternalIP`: one per external IP of the family, on `port`.
 * - `LoadBalancer`: one per `status.loadBalancer.ingress` IP of the family whose `ipMode` is
 *   `VIP`; `Proxy` ingresses are skipped, as kube-proxy skips them (the load balancer itself
 *   delivers to the node). `loadBalancerSourceRanges` of the same family go on these. As in
 *   kube-proxy, when every source range is of the other family the list is empty here,
 *   which allows every source of this family.
 *
 * As in kube-proxy, node ports and load balancer IPs are taken whatever the service type says;
 * external IPs and ingress IPs of a family the service has no cluster IP of are dropped.
 *
 * @returns frontends sorted by kind (ClusterIP, NodePort, ExternalIP, LoadBalancer), family,
 * then address; duplicates removed.
 */
export function planFrontends(service: Service, port: ServicePort): ProxyFrontend[] {
  const internalPolicy = usesLocalInternalPolicy(service) ? 'Local' : 'Cluster';
  const externalPolicy = usesLocalExternalPolicy(service) ? 'Local' : 'Cluster';
  const ingressIPs = service.loadBalancerIngress
    .filter((ingress) => ingress.ipMode === 'VIP' && ingress.ip !== undefined)
    .map((ingress) => ingress.ip as string);
  const frontends = new Map<string, ProxyFrontend>();
  const add = (frontend: ProxyFrontend): void => {
    frontends.set(`${frontend.kind} ${frontend.family} ${frontend.ip ?? ''}`, frontend);
  };

  for (const family of servedFamilies(service)) {
    const ofFamily = (address: string): boolean => ipFamilyOf(address) === family;
    for (const ip of service.clusterIPs.filter(ofFamily)) {
      add({ kind: 'ClusterIP', ip, family, port: port.port, trafficPolicy: internalPolicy, sourceRanges: [] });
    }
    if (port.nodePort !== undefined) {
      add({ kind: 'NodePort', family, port: port.nodePort, trafficPolicy: externalPolicy, sourceRanges: [] });
    }
    for (const ip of service.externalIPs.filter(ofFamily)) {
      add({ kind: 'ExternalIP', ip, family, port: port.port, trafficPolicy: externalPolicy, sourceRanges: [] });
    }
    const sourceRanges = sourceRangesOf(service, family);
    for (const ip of ingressIPs.filter(ofFamily)) {
      add({ kind: 'LoadBalancer', ip, family, port: port.port, trafficPolicy: externalPolicy, sourceRanges });
    }
  }
  return [...frontends.values()].sort(compareFrontends);
}

function sourceRangesOf(service: Service, family: IPFamily): string[] {
  return sortedUniqueCidrs(service.loadBalancerSourceRanges.filter((cidr) => ipFamilyOf(cidr) === family));
}

function compareFrontends(a: ProxyFrontend, b: ProxyFrontend): number {
  return (
    KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
    (a.family === b.family ? 0 : a.family === 'IPv4' ? -1 : 1) ||
    compareAddresses(a.ip ?? '', b.ip ?? '')
  );
}
