import { rename, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { composeNodeAgent, mockBackends, withNetlinkRoutes, type BackendFactories } from '../../agent/compose.js';
import type { AgentConfig } from '../../agent/agent-config.js';
import { HealthCheckServers } from '../../agent/health-check-server.js';
import {
  FIREWALL_BACKEND_NAMES,
  PROXY_BACKEND_NAMES,
  withKernelBackends,
  type FirewallBackendName,
  type ProxyBackendName,
} from '../../agent/kernel-backends.js';
import type { ReconcileOutcome } from '../../core/controller/controller-types.js';
import { parseCIDR } from '../../core/convert/ip-parsing.js';
import { ConfigError } from '../../core/errors.js';
import { formatProblem, type Problem } from '../../core/model/index.js';
import type { TunnelType } from '../../core/plan/route-plan.js';
import type { ProxyPlan } from '../../core/plan/index.js';
import type { Concern, SyncPayloadSize } from '../../core/plan/sync-report.js';
import { ClusterStore } from '../../core/store/cluster-store.js';
import { ExecCommandRunner } from '../../exec/exec-command-runner.js';
import { ManifestSource } from '../../sources/manifest-source.js';
import { EXIT_INPUT_ERRORS } from '../exit-codes.js';
import { loadClusterInput, MISSING_FILE_MESSAGE, requireManifestFiles, STDIN_PATH } from '../input/cluster-input.js';
import { collect, parseCidrList, parseOutput } from '../options.js';
import { agentSummaryLines, nodeHeader, type NodeSummaryInput } from '../render/agent-summary.js';
import { count } from '../render/plural.js';
import { problemLines } from '../render/problems-text.js';
import { firewallPlanLines } from '../render/firewall-text.js';
import { proxyPlanLines } from '../render/proxy-text.js';
import { routePlanLines } from '../render/route-text.js';

interface AgentOptions {
  file?: string[];
  runRouter?: boolean;
  runFirewall?: boolean;
  runServiceProxy?: boolean;
  hostnameOverride?: string;
  kubeconfig?: string;
  master?: string;
  clusterCidr?: string;
  serviceClusterIpRange?: string;
  masqueradeAll?: boolean;
  backend: string;
  routeBackend?: 'netlink' | 'mock';
  firewallBackend?: FirewallBackendName;
  proxyBackend?: ProxyBackendName;
  enableOverlay?: boolean;
  overlayType?: 'subnet' | 'full';
  overlayEncap?: TunnelType;
  underlayCidrs?: string;
  watch?: boolean;
  readyFile?: string;
  cleanupOnExit?: boolean;
  verbose?: boolean;
  output: 'text' | 'json';
}

/** A parser for an option taking one of `values`. */
function oneOf<T extends string>(flag: string, values: readonly T[]): (value: string) => T {
  return (value) => {
    if ((values as readonly string[]).includes(value)) return value as T;
    throw new ConfigError(`${flag}: expected ${values.join(' or ')}, got "${value}"`);
  };
}

/** kube-router's boolean flags take a value (`--enable-overlay=false`). */
function parseBoolean(flag: string): (value: string) => boolean {
  return (value) => {
    if (value === 'true') return true;
    if (value === 'false') return false;
    throw new ConfigError(`${flag}: expected true or false, got "${value}"`);
  };
}

/** Underlay CIDRs keep their host bits (`192.168.1.100/24` is the interface's address), as the planner allows. */
function parseUnderlayCidrs(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '').map((item) => {
    const parsed = parseCIDR(item);
    if (!parsed.ok) throw new ConfigError(`--underlay-cidrs: ${parsed.reason}`);
    return item;
  });
}

function configFrom(options: AgentOptions): AgentConfig {
  return {
    runRouter: options.runRouter ?? true,
    runFirewall: options.runFirewall ?? true,
    runServiceProxy: options.runServiceProxy ?? true,
    clusterCIDRs: parseCidrList('--cluster-cidr', options.clusterCidr),
    serviceClusterIPRanges: parseCidrList('--service-cluster-ip-range', options.serviceClusterIpRange),
    masqueradeAll: options.masqueradeAll ?? false,
    nodePortAddresses: [],
    underlayCIDRs: parseUnderlayCidrs(options.underlayCidrs),
    enableOverlay: options.enableOverlay,
    overlayType: options.overlayType,
    overlayEncap: options.overlayEncap,
  };
}

/**
 * The backends the flags ask for. Kernel backends program the network namespace this process
 * runs in, so they need one node (`--hostname-override`): on a real node that is the node
 * itself, in the lab the agent runs inside the node's namespace.
 */
async function backendsFrom(options: AgentOptions): Promise<BackendFactories> {
  const kernel = options.routeBackend === 'netlink' || (options.firewallBackend ?? 'mock') !== 'mock' || (options.proxyBackend ?? 'mock') !== 'mock';
  if (!kernel) return mockBackends;
  if (!options.hostnameOverride) {
    throw new ConfigError('kernel backends program this machine: give the node it runs on with --hostname-override');
  }
  const runner = new ExecCommandRunner(30_000);
  let backends = await withKernelBackends(mockBackends, { firewall: options.firewallBackend, proxy: options.proxyBackend }, runner);
  if (options.routeBackend === 'netlink') {
    // Loaded only here: the native netlink module is not needed for the mock backends.
    const { RtnetlinkPort } = await import('../../backends/netlink/rtnetlink/rtnetlink-port.js');
    backends = withNetlinkRoutes(backends, new RtnetlinkPort(), runner);
  }
  return backends;
}

/** One log line per reconcile: when, which concern, how it went. */
function reconcileLine(node: string, outcome: ReconcileOutcome<unknown>): string {
  const { sample } = outcome;
  const head = `${new Date().toISOString()} ${node} ${sample.concern} (${sample.backend})`;
  if (sample.outcome === 'ok') {
    return `${head}: sync ok, ${sample.mode}${sample.resync ? ' with kernel read' : ''}, ` +
      `${sample.fragmentsChanged} changed, ${sample.fragmentsRemoved} removed, ${payloadText(sample.payload)}${Math.round(sample.durationSeconds * 1000)} ms`;
  }
  const error = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  return `${head}: sync failed (retrying): ${error.split('\n')[0]}`;
}

/** `payload 7 lines, ` or `payload 9 lines 4 elements, `; empty where the backend does not count. */
function payloadText(payload: SyncPayloadSize | undefined): string {
  if (payload === undefined) return '';
  return `payload ${payload.lines} lines${payload.elements === undefined ? '' : ` ${payload.elements} elements`}, `;
}

/** The line an agent logs once every enabled concern has synced once; the lab waits for it. */
export const AGENT_READY_LINE = 'ready: first sync of every concern done';

/**
 * `agent --watch`: runs the controllers over the watched manifests until SIGTERM or SIGINT.
 * After the first successful sync of every enabled concern it logs {@link AGENT_READY_LINE}
 * and writes `--ready-file` (JSON, renamed into place so a reader never sees half of it).
 * On a signal it stops the controllers; the kernel state stays (as kube-router leaves its
 * routes on restart, so traffic keeps flowing) unless `--cleanup-on-exit` is given.
 */
async function runWatching(options: AgentOptions, config: AgentConfig, files: readonly string[]): Promise<void> {
  const node = options.hostnameOverride;
  if (!node) throw new ConfigError('--watch runs one node\'s agent: give it with --hostname-override');
  const backends = await backendsFrom(options);
  const waiting = new Set<Concern>([
    ...(config.runRouter ? ['route' as const] : []),
    ...(config.runServiceProxy ? ['proxy' as const] : []),
    ...(config.runFirewall ? ['firewall' as const] : []),
  ]);
  let readyWrite: Promise<void> | undefined;
  // Health check node ports follow each successful proxy sync, one update at a time; the
  // agent runs in the node's network namespace, so the plan's node addresses are its own.
  const healthChecks = new HealthCheckServers({ log: (line) => console.error(`${new Date().toISOString()} ${node} ${line}`) });
  let healthCheckUpdate = Promise.resolve();
  const onReconcile = (outcome: ReconcileOutcome<unknown>): void => {
    if (outcome.sample.concern === 'proxy' && outcome.sample.outcome === 'ok' && outcome.plan) {
      const plan = outcome.plan as ProxyPlan;
      healthCheckUpdate = healthCheckUpdate.then(() => healthChecks.update(plan));
    }
    const line = reconcileLine(node, outcome);
    if (outcome.sample.outcome === 'ok') console.log(line);
    else console.error(line);
    if (outcome.sample.outcome !== 'ok' || !waiting.delete(outcome.sample.concern) || waiting.size > 0) return;
    const announce = (): void => console.log(`${new Date().toISOString()} ${node} ${AGENT_READY_LINE}`);
    // The file first, then the line: whoever reads the line finds the file.
    if (options.readyFile) {
      readyWrite = writeReadyFile(options.readyFile, node).then(announce, (error: unknown) => {
        console.error(`${node}: cannot write the ready file ${options.readyFile}: ${(error as Error).message}`);
      });
    } else {
      announce();
    }
  };
  const agent = composeNodeAgent(node, config, backends, { runtime: { onReconcile } });
  const store = new ClusterStore();
  const source = new ManifestSource(files, { watch: true });
  let reported = 0;
  store.onChange(() => {
    const problems = store.snapshot().problems();
    for (const problem of problems.slice(reported)) console.error(formatProblem(problem));
    reported = problems.length;
  });
  await source.start(store);
  agent.start(store);
  console.log(`${new Date().toISOString()} ${node} agent running (pid ${process.pid}); ${agent.status().map((status) => status.concern).join(', ')}`);
  // A pending promise does not keep Node running; this timer does, until a signal.
  const keepAlive = setInterval(() => {}, 1 << 30);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  console.log(`${new Date().toISOString()} ${node} stopping on ${signal}${options.cleanupOnExit ? ', cleaning up' : ''}`);
  await source.stop();
  if (options.cleanupOnExit) await agent.cleanup();
  else await agent.stop();
  await readyWrite;
  await healthCheckUpdate;
  await healthChecks.stop();
  clearInterval(keepAlive);
}

async function writeReadyFile(path: string, node: string): Promise<void> {
  const next = `${path}.${process.pid}.tmp`;
  await writeFile(next, `${JSON.stringify({ node, pid: process.pid, readyAt: new Date().toISOString() })}\n`);
  await rename(next, path);
}

/** The full listing of `--verbose`: every route, service port and policy of each node. */
function printVerbose(inputs: readonly NodeSummaryInput[]): void {
  for (const { node, result } of inputs) {
    console.log(`== ${nodeHeader(node)}`);
    const sections = [
      ['routes', result.route?.report, result.route && routePlanLines(result.route.plan)],
      ['service proxy', result.proxy?.report, result.proxy && proxyPlanLines(result.proxy.plan)],
      ['firewall', result.firewall?.report, result.firewall && firewallPlanLines(result.firewall.plan)],
    ] as const;
    for (const [title, report, lines] of sections) {
      if (!report || !lines) continue;
      console.log(`  ${title} (${report.backend} backend)${lines.length === 0 ? ': nothing to program' : ''}`);
      for (const line of lines) console.log(`    ${line}`);
    }
  }
}

/** The closing line: how many nodes, with which controllers and backends, and the problems. */
function closingLine(inputs: readonly NodeSummaryInput[], problems: readonly Problem[]): string {
  const first = inputs[0]?.result;
  const concerns = [
    first?.route && `routes (${first.route.report.backend})`,
    first?.proxy && `service proxy (${first.proxy.report.backend})`,
    first?.firewall && `firewall (${first.firewall.report.backend})`,
  ].filter(Boolean);
  const errors = problems.filter((problem) => problem.severity === 'error').length;
  const after = problems.length === 0 ? 'no problems' : `${count(errors, 'error')} and ${count(problems.length - errors, 'warning')} in the input (listed above)`;
  return `programmed ${count(inputs.length, 'node')}: ${concerns.join(', ')}; ${after}`;
}

/**
 * `kube-router agent`: the reference agent. With `-f` it reads manifests, programs each node
 * (or only `--hostname-override`) once, and prints what each enabled controller programmed.
 * With `--watch` it runs one node's controllers continuously over the manifests as they change
 * (see {@link runWatching}).
 */
export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('run the reference agent once over a cluster and print what it programs per node, or with --watch keep one node programmed')
    .option('-f, --file <path>', 'manifest file or directory (repeatable)', collect)
    .option('--run-router [bool]', 'route to other nodes\' pod subnets (default true; --run-router=false turns it off)', parseBoolean('--run-router'), true)
    .option('--run-firewall [bool]', 'enforce NetworkPolicies (default true; --run-firewall=false turns it off)', parseBoolean('--run-firewall'), true)
    .option('--run-service-proxy [bool]', 'proxy ClusterIP, NodePort, ExternalIP and LoadBalancer services (default true; --run-service-proxy=false turns it off)', parseBoolean('--run-service-proxy'), true)
    .option('--hostname-override <node>', 'program only this node (default: every node)')
    .option('--kubeconfig <path>', 'kubeconfig of the cluster to watch')
    .option('--master <url>', 'API server address')
    .option('--cluster-cidr <cidrs>', 'pod CIDRs of the cluster, comma-separated')
    .option('--service-cluster-ip-range <cidrs>', 'service cluster IP ranges, comma-separated')
    .option('--masquerade-all', 'masquerade all traffic to service VIPs')
    .option('--backend <name>', 'backend for every concern (only mock so far)', 'mock')
    .option('--route-backend <name>', 'netlink (kernel routes of the namespace this runs in; needs --hostname-override) or mock', oneOf('--route-backend', ['netlink', 'mock'] as const))
    .option('--firewall-backend <name>', 'iptables, nftables (rules in the namespace this runs in; needs --hostname-override) or mock', oneOf('--firewall-backend', FIREWALL_BACKEND_NAMES))
    .option('--proxy-backend <name>', 'iptables, nftables, ipvs (rules in the namespace this runs in; needs --hostname-override) or mock', oneOf('--proxy-backend', PROXY_BACKEND_NAMES))
    .option('--enable-overlay <bool>', 'tunnel to nodes off this node\'s underlay subnets (true or false; default true)', parseBoolean('--enable-overlay'))
    .option('--overlay-type <type>', 'subnet (tunnel across subnets only) or full (to every node); default subnet', oneOf('--overlay-type', ['subnet', 'full'] as const))
    .option('--overlay-encap <encap>', 'vxlan, ipip or fou; default ipip', oneOf('--overlay-encap', ['vxlan', 'ipip', 'fou'] as const))
    .option('--underlay-cidrs <cidrs>', 'this node\'s underlay subnets, comma-separated (e.g. 192.168.1.100/24)')
    .option('--watch', 'keep running over the manifests as they change until SIGTERM/SIGINT (one node: --hostname-override)')
    .option('--ready-file <path>', 'with --watch: write this file once every enabled concern has synced once')
    .option('--cleanup-on-exit', 'with --watch: remove what the agent programmed when it stops (default: leave it, as kube-router does)')
    .option('-o, --output <format>', 'text or json', parseOutput, 'text')
    .option('-v, --verbose', 'text output: list every route, service port and policy of every node')
    .action(async (options: AgentOptions) => {
      const wanted = options.kubeconfig ?? options.master;
      if (wanted !== undefined) {
        const flag = options.kubeconfig !== undefined ? '--kubeconfig' : '--master';
        throw new ConfigError(`${flag} ${wanted}: watching an API server is not implemented yet; give manifests with -f PATH instead`);
      }
      if (!options.file?.length) throw new ConfigError(MISSING_FILE_MESSAGE);
      if (options.backend !== 'mock') {
        throw new ConfigError(`--backend ${options.backend}: only the mock backend exists so far`);
      }
      const config = configFrom(options);
      if (!config.runRouter && !config.runFirewall && !config.runServiceProxy) {
        throw new ConfigError('nothing to run: --run-router, --run-firewall and --run-service-proxy are all false');
      }
      if (options.watch) {
        if (options.file.includes(STDIN_PATH)) throw new ConfigError('--watch follows files as they change: -f - (standard input) is read once, without --watch');
        await requireManifestFiles(options.file);
        await runWatching(options, config, options.file);
        return;
      }
      const backends = await backendsFrom(options);
      const { snapshot, problems } = await loadClusterInput(options.file);
      const nodes = options.hostnameOverride ? [snapshot.node(options.hostnameOverride)] : snapshot.nodes();
      if (options.hostnameOverride && nodes[0] === undefined) {
        throw new ConfigError(`--hostname-override: no node "${options.hostnameOverride}" in the cluster`);
      }
      if (nodes.length === 0) throw new ConfigError('the manifests hold no Node objects: nothing to program');
      const inputs: NodeSummaryInput[] = [];
      for (const node of nodes) {
        if (!node) continue;
        const agent = composeNodeAgent(node.name, config, backends);
        const result = await agent.syncOnce(snapshot);
        const facts = { name: node.name, internalIPs: node.internalIPs, podCIDRs: node.podCIDRs, pods: snapshot.podsOnNode(node.name).length };
        inputs.push({ node: facts, result });
      }
      if (options.output === 'json') {
        process.stdout.write(`${JSON.stringify({ nodes: inputs.map((input) => input.result), problems }, null, 2)}\n`);
      } else {
        if (options.verbose) printVerbose(inputs);
        else for (const line of agentSummaryLines(inputs)) console.log(line);
        if (problems.length > 0) for (const line of problemLines(problems)) console.log(line);
        console.log(closingLine(inputs, problems));
      }
      if (problems.some((problem) => problem.severity === 'error')) process.exitCode = EXIT_INPUT_ERRORS;
    });
}
