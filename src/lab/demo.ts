import type { ClusterSnapshot } from '../core/store/snapshot.js';
import type { Service } from '../core/model/index.js';
import { Lab, type LabUpOptions } from './lab.js';
import type { ProbeResult } from './probe.js';
import { findPolicyShowcase, policyAllows, probeUntil } from './demo-policy.js';
import { formatLabSummary, formatProbe } from './report.js';
import type { LabPodPlan } from './topology.js';

/** Options of {@link runLabDemo}. */
export interface LabDemoOptions extends Pick<LabUpOptions, 'runner' | 'stateRoot'> {
  /** Where report lines go; default `console.log`. */
  readonly print?: (line: string) => void;
  /** Connections made to a service's cluster IP to show balancing. Default 6. */
  readonly serviceConnections?: number;
  /**
   * How to start the reference agent (`kube-router agent ...` as an argv, without `--hostname-override`);
   * the demo runs it once inside each node's namespace. Omitted: no agent is run.
   */
  readonly agentCommand?: readonly string[];
  /**
   * This CLI as an argv prefix, and the manifests: with both, every node runs the reference
   * agent continuously (`agent --watch --run-router --route-backend netlink`), so pods reach
   * pods on other nodes through kernel routes it programmed.
   */
  readonly cli?: readonly string[];
  readonly manifests?: readonly string[];
  /**
   * With `cli` and `manifests`: the watching agents also run the service proxy with this
   * kernel backend (steps 3 and 4 then go through it). Omitted: no service proxy.
   */
  readonly proxyBackend?: 'iptables' | 'nftables' | undefined;
  /** With `cli` and `manifests`: the watching agents also enforce NetworkPolicies with this kernel backend (step 5). */
  readonly firewallBackend?: 'iptables' | 'nftables' | undefined;
}

/** One step of the demo and what it found. */
export interface DemoStep {
  readonly title: string;
  /** What is missing for this step to show what kube-router does, if anything. */
  readonly missing?: string | undefined;
  readonly results: readonly ProbeResult[];
}

/**
 * The kube-router introduction on a real kernel: brings `snapshot` up in the lab, probes
 * pod to pod on one node and across nodes, a service's cluster IP, a NodePort from outside,
 * and traffic a NetworkPolicy governs, and says plainly what is not there yet. Always tears
 * the lab down, also on SIGINT.
 */
export async function runLabDemo(snapshot: ClusterSnapshot, options: LabDemoOptions = {}): Promise<DemoStep[]> {
  const print = options.print ?? ((line: string) => console.log(line));
  const started = Date.now();
  const routing = options.cli !== undefined && options.manifests !== undefined;
  const proxyBackend = routing ? options.proxyBackend : undefined;
  const firewallBackend = routing ? options.firewallBackend : undefined;
  const lab = await Lab.up(snapshot, {
    runner: options.runner,
    stateRoot: options.stateRoot,
    agents: routing
      ? {
          command: options.cli as readonly string[], manifests: options.manifests as readonly string[], routeBackend: 'netlink', overlayEncap: 'vxlan',
          runServiceProxy: proxyBackend !== undefined, proxyBackend,
          runFirewall: firewallBackend !== undefined, firewallBackend,
        }
      : undefined,
  });
  const removeHandlers = lab.downOnSignals();
  const steps: DemoStep[] = [];
  try {
    print(`up in ${Date.now() - started} ms`);
    for (const line of formatLabSummary(lab)) print(line);
    if (routing) {
      print('route agents: the reference agent runs in every node\'s namespace (agent --watch --run-router), programming kernel routes with the netlink route backend; every one has finished its first sync');
      if (proxyBackend) print(`  with the service proxy on the ${proxyBackend} backend (--run-service-proxy --proxy-backend ${proxyBackend})`);
      if (firewallBackend) print(`  with the NetworkPolicy firewall on the ${firewallBackend} backend (--run-firewall --firewall-backend ${firewallBackend})`);
    }
    await runNodeAgents(lab, options.agentCommand, print);
    const ownPods = lab.topology.pods.filter((pod) => !pod.hostNetwork);
    for (const step of [
      () => sameNode(lab, ownPods, snapshot),
      () => acrossNodes(lab, ownPods, routing, snapshot),
      () => serviceBalancing(lab, snapshot, ownPods, options.serviceConnections ?? 6, proxyBackend),
      () => nodePort(lab, snapshot, proxyBackend),
      () => networkPolicy(lab, snapshot, ownPods, firewallBackend, options.manifests ?? []),
    ]) {
      const result = await step();
      steps.push(result);
      print('');
      print(`${steps.length}. ${result.title}`);
      if (result.missing) print(`   not there yet: ${result.missing}`);
      for (const line of probeLines(result.results)) print(`   ${line}`);
      if (result.results.length === 0) print('   (nothing in the cluster to show this with)');
    }
  } finally {
    removeHandlers();
    const downStarted = Date.now();
    await lab.down();
    print('');
    print(`down in ${Date.now() - downStarted} ms; nothing left behind`);
  }
  return steps;
}

/** What one node's agent run reported, from its `--output json`. */
interface AgentRunSummary {
  readonly routes: number;
  readonly servicePorts: number;
  readonly policies: number;
}

function summariseAgentOutput(stdout: string): AgentRunSummary {
  const output = JSON.parse(stdout) as {
    nodes: { route?: { plan: { routes: unknown[] } }; proxy?: { plan: { servicePorts: unknown[] } }; firewall?: { plan: { policies: unknown[] } } }[];
  };
  const node = output.nodes[0];
  return {
    routes: node?.route?.plan.routes.length ?? 0,
    servicePorts: node?.proxy?.plan.servicePorts.length ?? 0,
    policies: node?.firewall?.plan.policies.length ?? 0,
  };
}

/**
 * Runs the reference agent once inside each node's namespace, as it would run on that node,
 * and prints what it planned. It runs with the mock backends, so this run programs nothing;
 * the demo says so rather than pretend (routes come from the watching agents instead).
 */
async function runNodeAgents(lab: Lab, command: readonly string[] | undefined, print: (line: string) => void): Promise<void> {
  if (!command) {
    print('node agents: not started');
    return;
  }
  print('node agents: the reference agent also runs once inside each node\'s namespace with the mock backends, to show what it plans for every concern');
  print('  (this one-shot run programs nothing; the watching agents program routes, and the service proxy and firewall when the demo runs their kernel backends)');
  const lines = await Promise.all(lab.topology.nodes.map(async (node) => {
    try {
      const { stdout } = await lab.exec(node.name, [...command, '--hostname-override', node.name, '--output', 'json'], { timeoutMs: 30_000 });
      const summary = summariseAgentOutput(stdout);
      return `  ${node.name}: planned ${summary.routes} routes, ${summary.servicePorts} service ports, ${summary.policies} policies`;
    } catch (error) {
      return `  ${node.name}: the agent failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }));
  for (const line of lines) print(line);
}

/** Each probe on its own line, except many probes of one target, which are counted by outcome. */
function probeLines(results: readonly ProbeResult[]): string[] {
  const targets = new Set(results.map((result) => `${result.from} ${result.address}:${result.port}/${result.protocol}`));
  if (results.length <= 2 || targets.size > 1) return results.map(formatProbe);
  const outcomes = new Map<string, number>();
  for (const result of results) {
    const outcome = result.connected ? `answered by ${result.answeredBy ?? 'nobody'}` : (result.error ?? 'failed');
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  const first = results[0] as ProbeResult;
  return [`${first.from} -> ${first.address}:${first.port}/${first.protocol} x${results.length}: ${[...outcomes].map(([outcome, count]) => `${count} ${outcome}`).join(', ')}`];
}

function firstTcpPort(pod: LabPodPlan): number {
  return pod.ports.find((port) => port.protocol === 'tcp')?.port ?? pod.ports[0]?.port ?? 80;
}

/** A pair the policies allow, so steps 1 to 3 show routing and proxying, not the firewall. */
function mayReach(snapshot: ClusterSnapshot, from: LabPodPlan, to: LabPodPlan): boolean {
  return policyAllows(snapshot, from.key, to.key, firstTcpPort(to));
}

async function sameNode(lab: Lab, pods: readonly LabPodPlan[], snapshot: ClusterSnapshot): Promise<DemoStep> {
  const title = 'pod to pod on one node (kube-bridge, no kube-router needed)';
  for (const from of pods) {
    const to = pods.find((pod) => pod.node === from.node && pod !== from && mayReach(snapshot, from, pod));
    if (to) return { title, results: [await lab.probe({ from: from.key, to: to.key, port: firstTcpPort(to), protocol: 'tcp' })] };
  }
  return { title, results: [] };
}

async function acrossNodes(lab: Lab, pods: readonly LabPodPlan[], routing: boolean, snapshot: ClusterSnapshot): Promise<DemoStep> {
  const pair = pods.flatMap((from) => pods.filter((to) => to.node !== from.node && mayReach(snapshot, from, to)).map((to) => [from, to] as const))[0];
  const [from, to] = pair ?? [undefined, undefined];
  const results = from && to ? [await lab.probe({ from: from.key, to: to.key, port: firstTcpPort(to), protocol: 'tcp' })] : [];
  if (!routing) {
    return {
      title: 'pod to pod across nodes',
      missing: 'no route agents were started, so no routes to other nodes\' pod CIDRs are programmed: run the demo from the CLI (kube-router lab demo), or lab up --run-router --route-backend netlink',
      results,
    };
  }
  const failed = results.some((result) => !result.connected);
  return {
    title: 'pod to pod across nodes (routes programmed by the agents\' netlink route backend in each node\'s kernel)',
    missing: failed ? 'the probe failed although the agents programmed routes: see the agents\' logs in the run directory' : undefined,
    results,
  };
}

function serviceWithEndpoints(snapshot: ClusterSnapshot, predicate: (service: Service) => boolean): Service | undefined {
  return snapshot.services().find((service) => predicate(service) &&
    service.ports.some((port) => port.protocol === 'TCP') &&
    snapshot.endpointSlicesForService(service.key).some((slice) => slice.endpoints.some((endpoint) => endpoint.conditions.ready)));
}

async function serviceBalancing(
  lab: Lab,
  snapshot: ClusterSnapshot,
  pods: readonly LabPodPlan[],
  connections: number,
  proxyBackend: string | undefined,
): Promise<DemoStep> {
  const service = serviceWithEndpoints(snapshot, (candidate) => candidate.clusterIPs.length > 0);
  const port = service?.ports.find((candidate) => candidate.protocol === 'TCP');
  const endpointPods = new Set(service ? snapshot.endpointSlicesForService(service.key)
    .flatMap((slice) => slice.endpoints.map((endpoint) => endpoint.podKey)) : []);
  const endpoints = pods.filter((pod) => endpointPods.has(pod.key));
  const from = pods.find((pod) => !endpointPods.has(pod.key) && endpoints.every((endpoint) => mayReach(snapshot, pod, endpoint)));
  const title = service ? `service ${service.key} cluster IP ${service.clusterIPs[0]}:${port?.port} over ${connections} connections` : 'a service\'s cluster IP';
  if (!service || !port || !from) return { title, results: [] };
  const results = await lab.probeAll(Array.from({ length: connections }, () => ({
    from: from.key, to: service.clusterIPs[0] as string, port: port.port, protocol: 'tcp' as const,
  })));
  const counts = new Map<string, number>();
  for (const result of results) if (result.answeredBy) counts.set(result.answeredBy, (counts.get(result.answeredBy) ?? 0) + 1);
  const balance = counts.size > 0 ? ` (answers per endpoint: ${[...counts].map(([pod, count]) => `${pod} ${count}`).join(', ')})` : '';
  if (proxyBackend) {
    const answered = results.filter((result) => result.connected).length;
    return {
      title: `${title} through the ${proxyBackend} service proxy${balance}`,
      missing: answered === results.length ? undefined : `${results.length - answered} connections got no answer although the agents run the ${proxyBackend} proxy: see the agents' logs in the run directory`,
      results,
    };
  }
  return {
    title: `${title}${balance}`,
    missing: 'no service rules: no kernel service proxy runs (kube-router lab demo runs one; from the library, pass proxyBackend), so nothing answers the cluster IP',
    results,
  };
}

async function nodePort(lab: Lab, snapshot: ClusterSnapshot, proxyBackend: string | undefined): Promise<DemoStep> {
  const service = serviceWithEndpoints(snapshot, (candidate) => candidate.ports.some((port) => port.nodePort !== undefined));
  const port = service?.ports.find((candidate) => candidate.nodePort !== undefined);
  const node = lab.topology.nodes[0];
  const title = service && port ? `NodePort ${port.nodePort} of ${service.key} from the outside client` : 'NodePort from the outside client';
  if (!service || port?.nodePort === undefined || !node) return { title, results: [] };
  const results = [await lab.probe({ from: 'client', to: `node:${node.name}`, port: port.nodePort, protocol: 'tcp' })];
  if (proxyBackend) {
    return {
      title: `${title} to node ${node.name}, through the ${proxyBackend} service proxy`,
      missing: results[0]?.connected ? undefined : `no answer although the agents run the ${proxyBackend} proxy: see the agents' logs in the run directory`,
      results,
    };
  }
  return {
    title,
    missing: 'no NodePort rules: no kernel service proxy runs (kube-router lab demo runs one; from the library, pass proxyBackend), so nothing listens on the node port',
    results,
  };
}

async function networkPolicy(
  lab: Lab,
  snapshot: ClusterSnapshot,
  pods: readonly LabPodPlan[],
  firewallBackend: string | undefined,
  manifests: readonly string[],
): Promise<DemoStep> {
  if (firewallBackend && manifests.length > 0) {
    const showcase = await findPolicyShowcase(lab, snapshot, manifests, pods, firstTcpPort);
    if (!showcase) return { title: 'a NetworkPolicy blocking, then allowing', results: [] };
    const request = { from: showcase.from.key, to: showcase.to.key, port: showcase.port, protocol: 'tcp' as const };
    const blocked = await lab.probe(request);
    await lab.apply(showcase.snapshotWithout, [showcase.withoutPolicy]);
    // The agents see the change through their watch and sync within about a second.
    const allowedAfter = await probeUntil(lab, request, true);
    const worked = !blocked.connected && allowedAfter.connected;
    return {
      title: `NetworkPolicy ${showcase.policy.key} (${firewallBackend} firewall) blocks ${showcase.from.key} -> ${showcase.to.key}; removed with lab apply, the traffic passes`,
      missing: worked ? undefined : `the probes did not show the policy's effect (applied: ${blocked.connected ? 'connected' : 'blocked'}, removed: ${allowedAfter.connected ? 'connected' : 'blocked'}): see the agents' logs in the run directory`,
      results: [blocked, allowedAfter],
    };
  }
  for (const policy of snapshot.networkPolicies()) {
    if (!policy.policyTypes.includes('Ingress')) continue;
    const selected = new Set(snapshot.podsMatching(policy.podSelector, policy.namespace).map((pod) => pod.key));
    const to = pods.find((pod) => selected.has(pod.key));
    const from = to && pods.find((pod) => pod.node === to.node && !selected.has(pod.key));
    if (!to || !from) continue;
    return {
      title: `NetworkPolicy ${policy.key} selects ${to.key}: traffic to it from ${from.key}`,
      missing: 'the policy is not enforced: no kernel firewall runs (kube-router lab demo runs one; from the library, pass firewallBackend), so the probe connects whether the policy is applied or removed',
      results: [await lab.probe({ from: from.key, to: to.key, port: firstTcpPort(to), protocol: 'tcp' })],
    };
  }
  return { title: 'a NetworkPolicy blocking, then allowing', results: [] };
}
