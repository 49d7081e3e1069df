import type { ProxyPlan, ServicePortPlan } from '../../plan/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import { compareText } from '../common/addresses.js';
import { planServicePort } from './plan-service-port.js';
import { resolveProxySettings, type ProxyPlanOptions } from './proxy-plan-options.js';
import { isProxiedService } from './service-traffic.js';

/**
 * Plans what the service proxy programs on node `nodeName`, with kube-proxy's semantics.
 * Pure and deterministic: one `ServicePortPlan` per port of every proxied service, sorted by
 * key (`namespace/name:portName/PROTOCOL`).
 *
 * Covered now:
 * - services skipped: ExternalName, headless, and those without a cluster IP yet;
 * - frontends: ClusterIP (one per cluster IP), NodePort (one per served family, no IP),
 *   external IPs, LoadBalancer ingress IPs with `ipMode: VIP` (Proxy mode is skipped), with
 *   `loadBalancerSourceRanges` of the frontend's family on LoadBalancer frontends; a family
 *   is served when the service has a cluster IP of it;
 * - traffic policies: externalTrafficPolicy Local makes NodePort, ExternalIP and LoadBalancer
 *   frontends `Local` (only for services reachable from outside, as kube-proxy);
 *   internalTrafficPolicy Local makes ClusterIP frontends `Local`;
 * - endpoints from the service's EndpointSlices, slice port matched by name and protocol,
 *   first address only, deduplicated by ip:port; `clusterEndpoints` are the ready ones,
 *   `localEndpoints` this node's ready ones; each set falls back to serving-and-terminating
 *   endpoints when it has no ready one, per family. Both families share one list (a backend
 *   programming family F takes the endpoints whose `ip` is of family F); the fallback is
 *   decided per family all the same;
 * - ClientIP session affinity (`affinityTimeoutSeconds`); the health check node port of
 *   LoadBalancer services with externalTrafficPolicy Local;
 * - ports with no usable endpoint are planned with empty endpoint lists.
 *
 * Not yet: masquerade marks and hairpin (the plan carries `settings` for backends), the
 * choice between DROP and REJECT for traffic without endpoints (and eTP Local's
 * "no local endpoint" drop versus reject), topology-aware hints, traffic distribution,
 * `nodePortAddresses: primary`, and skipping services with a `service.kubernetes.io/service-proxy-name` label.
 */
export function planServices(snapshot: ClusterSnapshot, nodeName: string, options: ProxyPlanOptions): ProxyPlan {
  const servicePorts: ServicePortPlan[] = [];
  for (const service of snapshot.services()) {
    if (!isProxiedService(service)) continue;
    const slices = snapshot.endpointSlicesForService(service.key);
    for (const port of service.ports) servicePorts.push(planServicePort(service, port, slices, nodeName));
  }
  servicePorts.sort((a, b) => compareText(a.key, b.key));
  return { node: nodeName, settings: resolveProxySettings(options), servicePorts };
}
