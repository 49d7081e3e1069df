import type { IPFamily, Protocol } from '../model/index.js';
import type { ProxyFrontend, ProxyPlan, ServicePortPlan } from '../plan/index.js';
import { endpointText } from './ip-matching.js';

/** The frontend a packet hit, with its service port. */
export interface FrontendMatch {
  readonly servicePort: ServicePortPlan;
  readonly frontend: ProxyFrontend;
}

/** The destination of a packet, canonical. */
export interface PacketDestination {
  readonly ip: string;
  readonly family: IPFamily;
  readonly port: number;
  readonly protocol: Protocol;
}

/** True when NodePort frontends of `family` listen on `ip` on this node. */
export function isNodePortAddress(plan: ProxyPlan, ip: string, family: IPFamily): boolean {
  const { nodePortAddresses, localhostNodePorts } = plan.settings;
  if (nodePortAddresses.some((address) => address.ip === ip && address.family === family)) return true;
  return localhostNodePorts && family === 'IPv4' && ip === '127.0.0.1';
}

function* frontends(plan: ProxyPlan): Generator<FrontendMatch> {
  for (const servicePort of plan.servicePorts.values()) {
    for (const frontend of servicePort.frontends) yield { servicePort, frontend };
  }
}

/**
 * The frontend a packet to `destination` hits, if any. ClusterIP, ExternalIP and LoadBalancer
 * frontends match by IP, port and protocol; NodePort ones by port and protocol on an address in
 * the plan's `nodePortAddresses` of their family (or 127.0.0.1 with `localhostNodePorts`).
 * Frontends with an IP are tried first, as kube-proxy matches service VIPs before handing what
 * is left for local addresses to its NodePort chain.
 */
export function matchFrontend(plan: ProxyPlan, destination: PacketDestination): FrontendMatch | undefined {
  const sameTransport = (match: FrontendMatch): boolean =>
    match.servicePort.protocol === destination.protocol && match.frontend.port === destination.port;
  for (const match of frontends(plan)) {
    if (match.frontend.ip === destination.ip && sameTransport(match)) return match;
  }
  if (!isNodePortAddress(plan, destination.ip, destination.family)) return undefined;
  for (const match of frontends(plan)) {
    if (match.frontend.kind === 'NodePort' && match.frontend.family === destination.family && sameTransport(match)) {
      return match;
    }
  }
  return undefined;
}

/** One line describing a frontend: `frontend/web:http/TCP NodePort *:30080 (IPv4)`. */
export function frontendText(match: FrontendMatch): string {
  const { frontend, servicePort } = match;
  const where = frontend.ip === undefined ? `NodePort ${frontend.port} on the node's NodePort addresses` : `${frontend.kind} ${endpointText(frontend.ip, frontend.port)}`;
  return `${servicePort.key} ${where} (${frontend.family})`;
}

/**
 * What the destination address serves on other ports or protocols, for the explanation of a
 * packet no frontend took: the usual mistake is the target port instead of the service port.
 */
export function otherPortsAt(plan: ProxyPlan, ip: string): string[] {
  const found: string[] = [];
  for (const match of frontends(plan)) {
    if (match.frontend.ip === ip) found.push(`${match.frontend.port}/${match.servicePort.protocol} (${match.servicePort.key})`);
  }
  return found;
}
