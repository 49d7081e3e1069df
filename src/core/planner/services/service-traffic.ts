import { ipFamilyOf } from '../../model/ip-family.js';
import type { IPFamily, Service } from '../../model/index.js';

/**
 * True when the proxy programs the service at all. As kube-proxy: ExternalName services,
 * headless services and services without a cluster IP (not allocated yet) are skipped.
 */
export function isProxiedService(service: Service): boolean {
  return service.type !== 'ExternalName' && !service.headless && service.clusterIPs.length > 0;
}

/**
 * The families the proxy serves the service in: those of its cluster IPs, in the service's
 * order. kube-proxy runs one proxier per family and a service joins a family's proxier only
 * through a cluster IP of that family, so `spec.ipFamilies` (which the API server keeps equal
 * to the cluster IPs' families) is not consulted separately.
 */
export function servedFamilies(service: Service): IPFamily[] {
  const families: IPFamily[] = [];
  for (const clusterIP of service.clusterIPs) {
    const family = ipFamilyOf(clusterIP);
    if (!families.includes(family)) families.push(family);
  }
  return families;
}

/**
 * kube-proxy's "external policy local": externalTrafficPolicy Local counts only for services
 * reachable from outside (NodePort, LoadBalancer, or with external IPs).
 */
export function usesLocalExternalPolicy(service: Service): boolean {
  const external = service.type === 'NodePort' || service.type === 'LoadBalancer' || service.externalIPs.length > 0;
  return external && service.externalTrafficPolicy === 'Local';
}

/** internalTrafficPolicy Local: ClusterIP frontends use only this node's endpoints. */
export function usesLocalInternalPolicy(service: Service): boolean {
  return service.internalTrafficPolicy === 'Local';
}

/**
 * The health check node port, planned only where kube-proxy serves it: LoadBalancer services
 * with externalTrafficPolicy Local.
 */
export function healthCheckNodePortOf(service: Service): number | undefined {
  if (service.type !== 'LoadBalancer' || service.externalTrafficPolicy !== 'Local') return undefined;
  return service.healthCheckNodePort;
}
