import { ipFamilyOf } from '../../model/ip-family.js';
import type { IPFamily, Service, StringMap } from '../../model/index.js';

/**
 * The label that hands a service (and its slices) to another service proxy. kube-proxy's
 * informers list Services and EndpointSlices with `!service.kubernetes.io/service-proxy-name`,
 * so any value, even one naming kube-router, takes the object away from this proxy.
 */
export const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';

/**
 * The label the EndpointSlice controller puts on slices of headless services. kube-proxy's
 * informers exclude objects carrying it as well (`!service.kubernetes.io/headless`).
 */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/**
 * True when kube-proxy's label selector would never deliver an object with these labels:
 * it carries {@link SERVICE_PROXY_NAME_LABEL} or {@link HEADLESS_LABEL}, whatever their value.
 */
export function isLabelledAway(labels: StringMap): boolean {
  return Object.hasOwn(labels, SERVICE_PROXY_NAME_LABEL) || Object.hasOwn(labels, HEADLESS_LABEL);
}

/**
 * True when the proxy programs the service at all. As kube-proxy: ExternalName services,
 * headless services, services without a cluster IP (not allocated yet) and services labelled
 * away to another proxy ({@link isLabelledAway}) are skipped.
 */
export function isProxiedService(service: Service): boolean {
  return (
    service.type !== 'ExternalName' && !service.headless && service.clusterIPs.length > 0 && !isLabelledAway(service.labels)
  );
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
 * kube-proxy's "external policy local" (`apiservice.ExternalPolicyLocal`): externalTrafficPolicy
 * Local counts for every service reachable from outside: type NodePort or LoadBalancer, or any
 * type with external IPs (a ClusterIP service with external IPs included).
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
 * The health check node port, planned only where kube-proxy serves it
 * (`apiservice.NeedsHealthCheck`): LoadBalancer services with externalTrafficPolicy Local.
 */
export function healthCheckNodePortOf(service: Service): number | undefined {
  if (service.type !== 'LoadBalancer' || !usesLocalExternalPolicy(service)) return undefined;
  return service.healthCheckNodePort;
}
