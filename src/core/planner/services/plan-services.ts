import type { ProxyPlan } from '../../plan/index.js';
import type { ClusterSnapshot } from '../../store/snapshot.js';
import type { ProxyPlanOptions } from './proxy-plan-options.js';
import { ServicePlanner } from './service-planner.js';

/**
 * Plans what the service proxy programs on node `nodeName`, with kube-proxy's semantics.
 * Pure and deterministic: one `ServicePortPlan` per port of every proxied service, keyed
 * `namespace/name:portName/PROTOCOL`. The same as `new ServicePlanner(nodeName, options).full(snapshot)`;
 * a controller keeps a {@link ServicePlanner} instead, to replan only what changed.
 *
 * Covered now:
 * - services skipped: ExternalName, headless, those without a cluster IP yet, and those
 *   labelled `service.kubernetes.io/service-proxy-name` (any value) or
 *   `service.kubernetes.io/headless`, as kube-proxy's informers filter them; slices with those
 *   labels are ignored likewise;
 * - frontends: ClusterIP (one per cluster IP), NodePort (one per served family, no IP: it
 *   listens on `settings.nodePortAddresses`), external IPs, LoadBalancer ingress IPs with
 *   `ipMode: VIP` (Proxy mode is skipped), with `loadBalancerSourceRanges` of the frontend's
 *   family on LoadBalancer frontends; a family is served when the service has a cluster IP of it;
 * - traffic policies: externalTrafficPolicy Local makes NodePort, ExternalIP and LoadBalancer
 *   frontends `local` for every externally accessible service (NodePort, LoadBalancer, or with
 *   external IPs); internalTrafficPolicy Local makes ClusterIP frontends `local`;
 * - endpoints from the service's EndpointSlices, slice port matched by name and protocol,
 *   first address only, deduplicated by ip:port (a local copy wins, then a ready one);
 *   `clusterEndpoints` are the ready ones, `localEndpoints` this node's ready ones; each set
 *   falls back to serving-and-terminating endpoints when it has no ready one, per family. Both
 *   families share one list (`family` on each endpoint); each set is filled for a family only
 *   where a frontend of it uses the set (kube-proxy's UsesClusterEndpoints: iTP Cluster or
 *   externally accessible, since Local external frontends short-circuit to the cluster set);
 * - per frontend: masquerade (ClusterIP: always under masqueradeAll, else from outside the
 *   cluster CIDRs when known, else never; external: always under eTP Cluster, never under eTP
 *   Local), the short circuit of Local external frontends, and the verdict without endpoints
 *   (REJECT when the family has no usable endpoint anywhere, DROP when a Local frontend's set
 *   is empty while others exist);
 * - hairpin masquerade on every port; ClientIP session affinity (`affinityTimeoutSeconds`);
 *   the health check node port of LoadBalancer services with externalTrafficPolicy Local;
 *   kube-router's `kube-router.io/service.*` annotations as data (`kubeRouter`);
 * - settings: cluster and service CIDRs, masqueradeAll, this node's InternalIP and ExternalIP
 *   addresses, the NodePort addresses after the `nodePortAddresses` filter (per family, as
 *   kube-proxy), localhost NodePorts;
 * - ports with no usable endpoint are planned with empty endpoint lists and REJECT verdicts.
 *
 * Not yet: topology-aware hints and traffic distribution (every ready endpoint is used),
 * `nodePortAddresses: primary`, and kube-router's `service.hairpin.externalips` and
 * `service.skiplbips` annotations.
 */
export function planServices(snapshot: ClusterSnapshot, nodeName: string, options: ProxyPlanOptions): ProxyPlan {
  return new ServicePlanner(nodeName, options).full(snapshot);
}
