import type { EndpointSlice, Service, ServicePort } from '../../model/index.js';
import type { ServicePortPlan } from '../../plan/index.js';
import { selectClusterEndpoints, selectLocalEndpoints } from './endpoint-selection.js';
import { collectEndpoints } from './endpoints.js';
import { planFrontends } from './frontends.js';
import { healthCheckNodePortOf } from './service-traffic.js';

/** `namespace/name:portName/PROTOCOL`, the key of a service port plan. */
export function servicePortKey(service: Service, port: ServicePort): string {
  return `${service.key}:${port.name}/${port.protocol}`;
}

/**
 * The plan of one service port (kube-proxy's ServicePortName): its frontends and the endpoint
 * sets they use. Each endpoint set is computed only when a frontend uses it, as kube-proxy
 * does: `clusterEndpoints` is empty when every frontend is `Local`, `localEndpoints` when none
 * is. A port with no usable endpoint is still planned (the backend rejects its traffic).
 */
export function planServicePort(
  service: Service,
  port: ServicePort,
  slices: readonly EndpointSlice[],
  nodeName: string,
): ServicePortPlan {
  const frontends = planFrontends(service, port);
  const endpoints = collectEndpoints(slices, port, nodeName);
  const usesCluster = frontends.some((frontend) => frontend.trafficPolicy === 'Cluster');
  const usesLocal = frontends.some((frontend) => frontend.trafficPolicy === 'Local');
  const healthCheckNodePort = healthCheckNodePortOf(service);
  return {
    key: servicePortKey(service, port),
    service: service.key,
    portName: port.name,
    protocol: port.protocol,
    frontends,
    clusterEndpoints: usesCluster ? selectClusterEndpoints(endpoints) : [],
    localEndpoints: usesLocal ? selectLocalEndpoints(endpoints) : [],
    ...(service.sessionAffinity === 'ClientIP' ? { affinityTimeoutSeconds: service.sessionAffinityTimeoutSeconds } : {}),
    ...(healthCheckNodePort === undefined ? {} : { healthCheckNodePort }),
  };
}
