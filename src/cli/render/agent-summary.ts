import type { NodeSyncResult } from '../../agent/node-agent.js';
import type { FirewallPlan, ProxyFrontend, ProxyPlan, RoutePlan, ServicePortPlan } from '../../core/plan/index.js';
import { compareCidrs } from '../../core/planner/common/addresses.js';
import { count } from './plural.js';

/** What the summary says about a node besides its plans. */
export interface NodeFactsForSummary {
  readonly name: string;
  readonly internalIPs: readonly string[];
  readonly podCIDRs: readonly string[];
  readonly pods: number;
}

/** One node's result with its facts. */
export interface NodeSummaryInput {
  readonly node: NodeFactsForSummary;
  readonly result: NodeSyncResult;
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The node's own header: name, addresses, pod CIDRs, pod count; absent facts are left out. */
export function nodeHeader(node: NodeFactsForSummary): string {
  const parts = [
    node.internalIPs.join(',') || 'no InternalIP',
    node.podCIDRs.length ? `pods ${node.podCIDRs.join(',')}` : 'no pod CIDR',
    count(node.pods, 'pod'),
  ];
  return `node ${node.name} (${parts.join('; ')})`;
}

function routeSummary(plan: RoutePlan): string {
  const routes = [...plan.routes.values()].sort((a, b) => compareCidrs(a.destination, b.destination));
  let text: string;
  if (routes.length === 0) {
    text = 'no route to other nodes';
  } else if (routes.length <= 4) {
    text = routes.map((route) => `${route.destination} ${route.kind === 'direct' ? 'via' : 'tunnelled to'} ${route.node}`).join(', ');
  } else {
    const direct = routes.filter((route) => route.kind === 'direct').length;
    text = `${count(routes.length, 'pod subnet')} of other nodes (${direct} direct, ${routes.length - direct} tunnelled)`;
  }
  if (plan.masquerade) text += `; pod egress masqueraded outside ${plan.masquerade.exceptDestinations[0] ?? 'the cluster'}`;
  return `routes: ${text}`;
}

/** A frontend without this node's addresses, so that the same service reads the same on every node. */
function frontendText(frontend: ProxyFrontend): string {
  const where = frontend.ip === undefined ? String(frontend.port) : hostPort(frontend.ip, frontend.port);
  const local = frontend.trafficPolicy === 'Local' ? ' (local endpoints only)' : '';
  const ranges = frontend.sourceRanges.length > 0 ? ` from ${frontend.sourceRanges.join(',')}` : '';
  return `${frontend.kind} ${where}${local}${ranges}`;
}

function endpointsText(servicePort: ServicePortPlan): string {
  const all = servicePort.clusterEndpoints.map((endpoint) => hostPort(endpoint.ip, endpoint.port));
  const parts = [`-> ${all.join(', ') || 'no endpoints (refused)'}`];
  if (servicePort.frontends.some((frontend) => frontend.endpoints === 'local')) {
    const local = servicePort.localEndpoints.map((endpoint) => hostPort(endpoint.ip, endpoint.port));
    parts.push(`local here: ${local.join(', ') || 'none (dropped)'}`);
  }
  return parts.join('; ');
}

/** One line per service port, the same on every node that programs it the same way. */
function servicePortText(servicePort: ServicePortPlan): string {
  const affinity = servicePort.affinityTimeoutSeconds ? ` (ClientIP affinity ${servicePort.affinityTimeoutSeconds}s)` : '';
  return `${servicePort.key}${affinity}: ${servicePort.frontends.map(frontendText).join(', ')} ${endpointsText(servicePort)}`;
}

function proxySummary(plan: ProxyPlan): string {
  const ports = [...plan.servicePorts.values()];
  const nodePorts = [...new Set(ports.flatMap((port) => port.frontends.filter((f) => f.kind === 'NodePort').map((f) => f.port)))].sort((a, b) => a - b);
  let text = count(ports.length, 'service port');
  if (nodePorts.length > 0) {
    const addresses = plan.settings.nodePortAddresses.map((address) => address.ip);
    if (plan.settings.localhostNodePorts) addresses.push('127.0.0.1');
    text += `, ${nodePorts.length === 1 ? 'NodePort' : 'NodePorts'} ${nodePorts.join(', ')} on ${addresses.join(', ') || 'no node address'}`;
  }
  return `service proxy: ${text}`;
}

function firewallSummary(plan: FirewallPlan): string {
  const isolated = [...plan.pods.values()].filter((pod) => pod.ingressPolicies.length > 0 || pod.egressPolicies.length > 0);
  if (isolated.length === 0) return 'firewall: no pod isolated';
  const head = `firewall: ${count(isolated.length, 'pod')} isolated by ${count(plan.policies.size, 'policy', 'policies')}`;
  if (isolated.length > 4) return head;
  const pods = isolated.map((pod) => {
    const directions = [pod.ingressPolicies.length ? 'ingress' : '', pod.egressPolicies.length ? 'egress' : ''].filter(Boolean);
    return `${pod.pod} (${directions.join(', ')})`;
  });
  return `${head}: ${pods.join(', ')}`;
}

/**
 * The default `agent` output: one short block per node saying what each controller programs
 * there, then the service ports programmed the same way on every node (once), with the ones
 * that differ listed under their nodes. NodePorts show the node's real addresses.
 */
export function agentSummaryLines(inputs: readonly NodeSummaryInput[]): string[] {
  const lines: string[] = [];
  // A service port is common when every node that runs the proxy programs it with the same text.
  const proxied = inputs.filter((input) => input.result.proxy);
  const texts = new Map<string, Set<string>>();
  const holders = new Map<string, number>();
  for (const input of proxied) {
    for (const servicePort of input.result.proxy?.plan.servicePorts.values() ?? []) {
      const set = texts.get(servicePort.key) ?? new Set<string>();
      set.add(servicePortText(servicePort));
      texts.set(servicePort.key, set);
      holders.set(servicePort.key, (holders.get(servicePort.key) ?? 0) + 1);
    }
  }
  const common = (key: string): boolean => texts.get(key)?.size === 1 && holders.get(key) === proxied.length;
  for (const { node, result } of inputs) {
    lines.push(nodeHeader(node));
    if (result.route) lines.push(`  ${routeSummary(result.route.plan)}`);
    if (result.proxy) {
      lines.push(`  ${proxySummary(result.proxy.plan)}`);
      for (const servicePort of result.proxy.plan.servicePorts.values()) {
        if (!common(servicePort.key)) lines.push(`    ${servicePortText(servicePort)}`);
      }
    }
    if (result.firewall) lines.push(`  ${firewallSummary(result.firewall.plan)}`);
  }
  const first = proxied[0]?.result.proxy?.plan;
  if (first) {
    const shared = [...first.servicePorts.values()].filter((servicePort) => common(servicePort.key));
    if (shared.length > 0) {
      lines.push(proxied.length === 1 ? 'service ports:' : `service ports programmed the same on every node (${shared.length}):`);
      for (const servicePort of shared) lines.push(`  ${servicePortText(servicePort)}`);
    }
  }
  return lines;
}
