import type { ProxyFrontend, ProxyPlan, ServicePortPlan } from '../../core/plan/index.js';

function frontendText(frontend: ProxyFrontend): string {
  const address = frontend.ip ?? (frontend.family === 'IPv6' ? '[node]' : 'node');
  const host = frontend.ip && frontend.family === 'IPv6' ? `[${address}]` : address;
  const local = frontend.trafficPolicy === 'Local' ? ' (local)' : '';
  const ranges = frontend.sourceRanges.length > 0 ? ` from ${frontend.sourceRanges.join(',')}` : '';
  return `${frontend.kind} ${host}:${frontend.port}${local}${ranges}`;
}

function endpointsText(servicePort: ServicePortPlan): string {
  if (servicePort.clusterEndpoints.length === 0) return 'no endpoints (reject)';
  return servicePort.clusterEndpoints
    .map((endpoint) => `${endpoint.ip}:${endpoint.port}${endpoint.terminating ? ' (terminating)' : ''}`)
    .join(', ');
}

/** Readable lines for a proxy plan: each service port, its frontends and its endpoints. */
export function proxyPlanLines(plan: ProxyPlan): string[] {
  const lines: string[] = [];
  for (const servicePort of plan.servicePorts) {
    const affinity = servicePort.affinityTimeoutSeconds ? ` affinity ClientIP ${servicePort.affinityTimeoutSeconds}s` : '';
    lines.push(`${servicePort.key}${affinity}`);
    lines.push(`  ${servicePort.frontends.map(frontendText).join('; ')}`);
    lines.push(`  -> ${endpointsText(servicePort)}`);
    const hasLocalFrontend = servicePort.frontends.some((frontend) => frontend.trafficPolicy === 'Local');
    if (hasLocalFrontend) {
      const local = servicePort.localEndpoints.map((endpoint) => `${endpoint.ip}:${endpoint.port}`).join(', ');
      lines.push(`  -> local: ${local || 'none on this node (drop)'}`);
    }
  }
  return lines;
}
