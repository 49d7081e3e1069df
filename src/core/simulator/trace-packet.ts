import type { ProxyFrontend, ProxyPlan } from '../plan/index.js';
import { chooseEndpoints, endpointLine } from './endpoint-choice.js';
import { frontendText, matchFrontend, otherPortsAt, type FrontendMatch } from './frontend-matching.js';
import { cidrHolding, endpointText, queryAddress } from './ip-matching.js';
import { decideMasquerade } from './masquerade-decision.js';
import { classifySource, type ClassifiedSource } from './packet-source.js';
import { checkPort, checkProtocol } from './query-validation.js';
import { SimulationQueryError } from './simulation-error.js';
import type { TracePacket, TraceResult, TraceVerdict } from './trace-query.js';

function policyName(frontend: ProxyFrontend): string {
  const which = frontend.kind === 'ClusterIP' ? 'internalTrafficPolicy' : 'externalTrafficPolicy';
  return `${which} ${frontend.trafficPolicy}`;
}

function stopped(verdict: TraceVerdict, explain: string[], source: ClassifiedSource, match: FrontendMatch): TraceResult {
  return {
    verdict,
    backends: [],
    masquerade: false,
    explain,
    source: source.source,
    servicePort: match.servicePort.key,
    frontend: match.frontend.kind,
  };
}

function annotationNote(match: FrontendMatch): string | undefined {
  const options = match.servicePort.kubeRouter;
  if (options === undefined) return undefined;
  const set = Object.entries(options).filter(([, value]) => value !== undefined).map(([name]) => name);
  if (set.length === 0) return undefined;
  return `kube-router annotations (${set.join(', ')}) are honoured only by the IPVS backend; this answer follows the plan's kube-proxy decisions`;
}

/**
 * What the service proxy of `plan.node` does with `packet`, read from the plan's fields only:
 *
 * 1. the source is this node (one of `settings.nodeAddresses`, or loopback), a pod (in
 *    `settings.clusterCIDRs`) or outside;
 * 2. the frontend: by IP, port and protocol for ClusterIP, ExternalIP and LoadBalancer; by
 *    port and protocol on a NodePort address for NodePort. No frontend: a destination inside
 *    `settings.serviceCIDRs` is refused (`REJECT`: no service holds that address, or not on
 *    that port and protocol, so a client of a deleted service fails at once), any other passes
 *    untouched (`ACCEPT`, no backends);
 * 3. a LoadBalancer frontend with `sourceRanges` drops sources outside them;
 * 4. a Local-policy external frontend sends pod and node packets through its short circuit to
 *    the cluster endpoints; other packets use the frontend's own endpoint set, of its family;
 * 5. without endpoints, the frontend's `noEndpoints` verdict (`REJECT` or `DROP`; a `DROP`
 *    does not stop short-circuited packets, which use the cluster set);
 * 6. masquerade: on the short circuit, node packets are and pod packets are not; otherwise the
 *    frontend's `masquerade` policy (`always`, `never`, or sources outside `clusterCIDRs`).
 *    Hairpin: when the source is one of the possible endpoints and the service port has
 *    `hairpinMasquerade`, `masquerade` is true, because a packet balanced back to its sender is
 *    masqueraded; kube-proxy does it only for that choice, so with several backends `true`
 *    means "may be masqueraded" and `explain` names the backend. `false` promises the client
 *    address is kept whichever backend is chosen;
 * 7. ClientIP session affinity is noted in `explain`; `backends` still lists every endpoint
 *    the first packet may go to.
 *
 * @throws SimulationQueryError on an invalid address, port or protocol, or a source and
 *   destination of different families
 */
export function tracePacket(plan: ProxyPlan, packet: TracePacket): TraceResult {
  checkPort(packet.port);
  checkProtocol(packet.protocol);
  const from = queryAddress(packet.from, 'from');
  const to = queryAddress(packet.to, 'to');
  if (from.family !== to.family) {
    throw new SimulationQueryError(`from ${from.ip} is ${from.family} but to ${to.ip} is ${to.family}: a packet has one family`);
  }
  const source = classifySource(plan.settings, from.ip);
  const explain = [source.explain];
  const match = matchFrontend(plan, { ip: to.ip, family: to.family, port: packet.port, protocol: packet.protocol });
  const destination = `${endpointText(to.ip, packet.port)}/${packet.protocol}`;
  if (match === undefined) {
    const others = otherPortsAt(plan, to.ip);
    const hint = others.length > 0 ? ` (${to.ip} serves ${others.join(', ')})` : '';
    const serviceCIDR = cidrHolding(plan.settings.serviceCIDRs, to.ip);
    if (serviceCIDR !== undefined) {
      explain.push(`${to.ip} is in the service CIDR ${serviceCIDR} but no service holds ${destination}${hint}: rejected`);
      return { verdict: 'REJECT', backends: [], masquerade: false, explain, source: source.source };
    }
    explain.push(`no service matched ${destination} on node ${plan.node}${hint}: the packet passes untouched`);
    return { verdict: 'ACCEPT', backends: [], masquerade: false, explain, source: source.source };
  }
  const { servicePort, frontend } = match;
  explain.push(`matched ${frontendText(match)}, ${policyName(frontend)}`);
  const note = annotationNote(match);
  if (note !== undefined) explain.push(note);

  if (frontend.kind === 'LoadBalancer' && frontend.sourceRanges.length > 0) {
    const range = cidrHolding(frontend.sourceRanges, from.ip);
    if (range === undefined) {
      explain.push(`source ${from.ip} is outside the load balancer source ranges ${frontend.sourceRanges.join(', ')}: DROP`);
      return stopped('DROP', explain, source, match);
    }
    explain.push(`source ${from.ip} is inside load balancer source range ${range}`);
  }

  const shortCircuited = frontend.shortCircuit !== undefined && source.source !== 'outside';
  const set = shortCircuited && frontend.shortCircuit ? frontend.shortCircuit.endpoints : frontend.endpoints;
  if (shortCircuited) {
    const who = source.source === 'node' ? 'this node' : 'a pod';
    explain.push(`traffic from ${who} takes the short circuit to the ${set} endpoints, as if sent to the cluster IP`);
  }
  const noEndpoints = frontend.noEndpoints === 'DROP' && shortCircuited ? undefined : frontend.noEndpoints;
  if (noEndpoints !== undefined) {
    explain.push(
      noEndpoints === 'REJECT'
        ? `no usable ${frontend.family} endpoint anywhere: REJECT`
        : `endpoints exist, but none in the ${set} set of node ${plan.node}: DROP`,
    );
    return stopped(noEndpoints, explain, source, match);
  }
  const choice = chooseEndpoints(servicePort, frontend, set);
  if (choice.endpoints.length === 0) {
    explain.push(`the ${set} set has no ${frontend.family} endpoint but the plan gives no verdict for that: REJECT, as for a service without endpoints`);
    return stopped('REJECT', explain, source, match);
  }
  explain.push(`DNAT to one of the ${set} endpoints (${frontend.family}): ${choice.endpoints.map(endpointLine).join(', ')}`);
  const masquerade = decideMasquerade({
    servicePort,
    frontend,
    source: source.source,
    fromIP: from.ip,
    shortCircuited,
    endpoints: choice.endpoints,
    clusterCIDRs: plan.settings.clusterCIDRs,
  });
  explain.push(...masquerade.explain);
  if (servicePort.affinityTimeoutSeconds !== undefined) {
    explain.push(`session affinity ClientIP: packets from ${from.ip} stick to the backend first chosen for ${servicePort.affinityTimeoutSeconds} s`);
  }
  return {
    verdict: 'ACCEPT',
    backends: choice.endpoints.map((endpoint) => endpointText(endpoint.ip, endpoint.port)),
    masquerade: masquerade.masquerade,
    explain,
    source: source.source,
    servicePort: servicePort.key,
    frontend: frontend.kind,
  };
}
