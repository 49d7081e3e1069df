import type { EndpointSlice, IPFamily, Service, ServicePort } from '../../model/index.js';
import type {
  MasqueradePolicy,
  NoEndpointVerdict,
  ProxyEndpoint,
  ProxyFrontend,
  ServicePortPlan,
} from '../../plan/index.js';
import { endpointSetsOf, type FamilyEndpointSets } from './endpoint-selection.js';
import { collectEndpoints } from './endpoints.js';
import { planFrontends, type FrontendWithoutVerdict } from './frontends.js';
import { kubeRouterOptionsOf } from './kube-router-annotations.js';
import { healthCheckNodePortOf } from './service-traffic.js';

/** What planning a service port needs besides the service and its slices; fixed per planner. */
export interface ServicePortContext {
  /** The planned node: endpoints whose `nodeName` is this are local. */
  readonly nodeName: string;
  /** The masquerade of ClusterIP frontends (see {@link clusterIPMasqueradeOf}). */
  readonly clusterIPMasquerade: MasqueradePolicy;
  /** Whether kube-router's DSR annotation takes the masquerade off external frontends (see `ProxyPlanOptions`). */
  readonly directServerReturn: boolean;
}

/**
 * kube-proxy's masquerade of cluster IP traffic: everything under `--masquerade-all`; else
 * what comes from outside the cluster CIDRs when they are known (a client routed to a service
 * VIP from off the cluster may be answered from another node); else nothing.
 */
export function clusterIPMasqueradeOf(masqueradeAll: boolean, clusterCIDRs: readonly string[]): MasqueradePolicy {
  if (masqueradeAll) return 'always';
  return clusterCIDRs.length > 0 ? 'outside-cluster-cidrs' : 'never';
}

/** `namespace/name:portName/PROTOCOL`, the key of a service port plan. */
export function servicePortKey(service: Service, port: ServicePort): string {
  return `${service.key}:${port.name}/${port.protocol}`;
}

/** The prefix every key of `serviceKey`'s port plans starts with (names hold no `:`). */
export function servicePortKeyPrefix(serviceKey: string): string {
  return `${serviceKey}:`;
}

const FAMILIES: readonly IPFamily[] = ['IPv4', 'IPv6'];

/**
 * The plan of one service port (kube-proxy's ServicePortName): its frontends, the endpoint
 * sets they use, and each frontend's verdict without endpoints.
 *
 * An endpoint set is filled for a family only when that family uses it, as kube-proxy's
 * per-family proxier computes it only then (`UsesClusterEndpoints`, `UsesLocalEndpoints`):
 *
 * - the cluster set when a frontend of the family forwards to it or short-circuits to it, which
 *   is internalTrafficPolicy Cluster or any externally accessible frontend (NodePort, external
 *   IP, LoadBalancer), since Local external frontends need it for the short circuit;
 * - the local set when a frontend of the family forwards to it, or when kube-router's
 *   `service.local` annotation asks for local endpoints only (for the backends that honour it).
 *
 * The verdict (`noEndpoints`) follows kube-proxy's filter rules: `REJECT` when the family has no
 * usable endpoint anywhere (`hasEndpoints` false), so the client learns at once; `DROP` when
 * it has some but this Local frontend's set is empty (kube-proxy's "has no local endpoints":
 * traffic from outside is dropped, while what the short circuit takes still flows); none
 * otherwise.
 *
 * A port with no usable endpoint is still planned, so backends install the REJECT.
 */
export function planServicePort(
  service: Service,
  port: ServicePort,
  slices: readonly EndpointSlice[],
  context: ServicePortContext,
): ServicePortPlan {
  const endpoints = collectEndpoints(slices, port, context.nodeName);
  const kubeRouter = kubeRouterOptionsOf(service.annotations);
  const drafts = withDirectServerReturn(planFrontends(service, port, context.clusterIPMasquerade), context.directServerReturn ? kubeRouter?.dsr : undefined);
  const clusterEndpoints: ProxyEndpoint[] = [];
  const localEndpoints: ProxyEndpoint[] = [];
  const setsByFamily = new Map<IPFamily, FamilyEndpointSets>();
  // IPv4 then IPv6: each family's list is in address order, so the concatenation is too.
  for (const family of FAMILIES) {
    const ofFamily = drafts.filter((frontend) => frontend.family === family);
    if (ofFamily.length === 0) continue;
    const sets = endpointSetsOf(endpoints, family);
    setsByFamily.set(family, sets);
    if (ofFamily.some(usesClusterSet)) clusterEndpoints.push(...sets.cluster);
    if (ofFamily.some((frontend) => frontend.endpoints === 'local') || kubeRouter?.localOnly) localEndpoints.push(...sets.local);
  }
  const frontends = drafts.map((draft) => withVerdict(draft, setsByFamily.get(draft.family)));
  const healthCheckNodePort = healthCheckNodePortOf(service);
  return {
    key: servicePortKey(service, port),
    service: service.key,
    portName: port.name,
    protocol: port.protocol,
    frontends,
    clusterEndpoints,
    localEndpoints,
    ...(service.sessionAffinity === 'ClientIP' ? { affinityTimeoutSeconds: service.sessionAffinityTimeoutSeconds } : {}),
    ...(healthCheckNodePort === undefined ? {} : { healthCheckNodePort }),
    // kube-proxy masquerades an endpoint's packets that its service balances back to it, always.
    hairpinMasquerade: true,
    ...(kubeRouter === undefined ? {} : { kubeRouter }),
  };
}

/**
 * Under kube-router's DSR (`kube-router.io/service.dsr`), an ExternalIP or LoadBalancer
 * frontend is never masqueraded: the node tunnels the packet to the endpoint unchanged and
 * the endpoint answers the client itself, so the client's address is what the endpoint sees.
 * ClusterIP and NodePort frontends keep their masquerade (kube-router serves them with NAT).
 * Only where the planner was told the proxy serves DSR (`directServerReturn`).
 */
function withDirectServerReturn(frontends: FrontendWithoutVerdict[], dsr: string | undefined): FrontendWithoutVerdict[] {
  if (dsr === undefined) return frontends;
  return frontends.map((frontend) => (frontend.kind === 'ExternalIP' || frontend.kind === 'LoadBalancer') && frontend.masquerade !== 'never' ? { ...frontend, masquerade: 'never' } : frontend);
}

function usesClusterSet(frontend: FrontendWithoutVerdict): boolean {
  return frontend.endpoints === 'cluster' || frontend.shortCircuit !== undefined;
}

function withVerdict(frontend: FrontendWithoutVerdict, sets: FamilyEndpointSets | undefined): ProxyFrontend {
  const verdict = verdictOf(frontend, sets);
  return verdict === undefined ? frontend : { ...frontend, noEndpoints: verdict };
}

function verdictOf(frontend: FrontendWithoutVerdict, sets: FamilyEndpointSets | undefined): NoEndpointVerdict | undefined {
  if (sets === undefined || sets.cluster.length === 0) return 'REJECT';
  if (frontend.endpoints === 'local' && sets.local.length === 0) return 'DROP';
  return undefined;
}
