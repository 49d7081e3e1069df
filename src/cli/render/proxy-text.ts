import type { ProxyEndpoint, ProxyFrontend, ProxyPlan, ProxySettings, ServicePortPlan } from '../../core/plan/index.js';

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * Where a frontend listens: its VIP, or for a NodePort every NodePort address of its family on
 * this node (and 127.0.0.1 with localhost NodePorts), since that is what a client dials.
 */
function listenText(frontend: ProxyFrontend, settings: ProxySettings): string {
  if (frontend.ip !== undefined) return hostPort(frontend.ip, frontend.port);
  const ips = settings.nodePortAddresses.filter((address) => address.family === frontend.family).map((address) => address.ip);
  if (frontend.family === 'IPv4' && settings.localhostNodePorts) ips.push('127.0.0.1');
  if (ips.length === 0) return `(no ${frontend.family} node address):${frontend.port}`;
  return ips.map((ip) => hostPort(ip, frontend.port)).join(',');
}

function frontendText(frontend: ProxyFrontend, settings: ProxySettings): string {
  const local = frontend.trafficPolicy === 'Local' ? ' (local)' : '';
  const ranges = frontend.sourceRanges.length > 0 ? ` from ${frontend.sourceRanges.join(',')}` : '';
  return `${frontend.kind} ${listenText(frontend, settings)}${local}${ranges}`;
}

function endpointText(endpoint: ProxyEndpoint): string {
  return `${hostPort(endpoint.ip, endpoint.port)}${endpoint.terminating ? ' (terminating)' : ''}`;
}

/** The verdict the frontends using one set give when it is empty; REJECT wins over DROP. */
function emptySetText(frontends: readonly ProxyFrontend[], fallback: string): string {
  if (frontends.some((frontend) => frontend.noEndpoints === 'REJECT')) return 'no endpoints (reject)';
  if (frontends.some((frontend) => frontend.noEndpoints === 'DROP')) return 'none on this node (drop)';
  return fallback;
}

/** The endpoint lines of a service port: one per endpoint set that a frontend uses. */
function endpointLines(servicePort: ServicePortPlan): string[] {
  const lines: string[] = [];
  const clusterUsers = servicePort.frontends.filter((frontend) => frontend.endpoints === 'cluster' || frontend.shortCircuit);
  if (clusterUsers.length > 0) {
    const text = servicePort.clusterEndpoints.map(endpointText).join(', ');
    lines.push(`-> ${text || emptySetText(clusterUsers, 'no endpoints (reject)')}`);
  }
  const localUsers = servicePort.frontends.filter((frontend) => frontend.endpoints === 'local');
  if (localUsers.length > 0) {
    const text = servicePort.localEndpoints.map(endpointText).join(', ');
    lines.push(`-> local: ${text || emptySetText(localUsers, 'none on this node (drop)')}`);
  }
  return lines;
}

/**
 * Readable lines for a proxy plan: each service port, its frontends (NodePorts on this node's
 * NodePort addresses) and the endpoints of each set its frontends use, with what happens when
 * a set is empty.
 */
export function proxyPlanLines(plan: ProxyPlan): string[] {
  const lines: string[] = [];
  for (const servicePort of plan.servicePorts.values()) {
    const affinity = servicePort.affinityTimeoutSeconds ? ` affinity ClientIP ${servicePort.affinityTimeoutSeconds}s` : '';
    lines.push(`${servicePort.key}${affinity}`);
    lines.push(`  ${servicePort.frontends.map((frontend) => frontendText(frontend, plan.settings)).join('; ')}`);
    for (const line of endpointLines(servicePort)) lines.push(`  ${line}`);
  }
  return lines;
}
