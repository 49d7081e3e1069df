import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.js';
import { formatProblem, PROTOCOLS, type Pod, type Protocol } from '../../core/model/index.js';
import { planFirewall, planServices } from '../../core/planner/index.js';
import {
  canReach,
  reachabilityMatrix,
  reachabilityMatrixLines,
  reachResultLines,
  tracePacket,
  traceResultLines,
} from '../../core/simulator/index.js';
import type { ClusterSnapshot } from '../../core/store/snapshot.js';
import { loadCluster } from '../../sources/load-cluster.js';
import { collect, parseCidrList } from '../options.js';
import { resolve } from 'node:path';
import {
  DATAPLANE_TRACE_TRIES,
  dataplaneMatrix,
  dataplaneTrace,
  kernelHas,
  LabConfigError,
  LabError,
  withDataplaneLab,
  type LabProtocol,
} from '../../lab/index.js';

interface SimulateOptions {
  file: string[];
  matrix?: boolean;
  explain?: boolean;
  node?: string;
  from?: string;
  to?: string;
  port?: string[];
  protocol?: string[];
  clusterCidr?: string;
  masqueradeAll?: boolean;
  nodeportAddresses?: string;
  output: 'json' | 'table';
  dataplane?: string | boolean;
  routeBackend?: string;
}

/** The dataplanes `--dataplane` can ask. */
const DATAPLANES = ['iptables', 'nftables', 'ipvs'] as const;
type Dataplane = (typeof DATAPLANES)[number];

/** `--dataplane`'s value, checked against the mode (the firewall has no ipvs backend). */
function dataplaneOf(options: SimulateOptions, mode: Mode): Dataplane | undefined {
  if (options.dataplane === undefined) {
    if (options.routeBackend !== undefined) throw new ConfigError('--route-backend is used only with --dataplane');
    return undefined;
  }
  const value = options.dataplane === true ? '' : String(options.dataplane);
  const dataplane = DATAPLANES.find((known) => known === value);
  if (dataplane === undefined) throw new ConfigError(`--dataplane: expected iptables or nftables${mode === '--node' ? ' (or ipvs)' : ''}, got "${value}"`);
  if (mode === '--explain') throw new ConfigError('--explain with --dataplane is not implemented yet: use --matrix --dataplane, or --explain without it');
  if (mode === '--matrix' && dataplane === 'ipvs') throw new ConfigError('--dataplane ipvs is a service proxy: use iptables or nftables with --matrix');
  if (options.nodeportAddresses !== undefined) {
    throw new ConfigError('--nodeport-addresses with --dataplane is not implemented yet (the lab\'s agents listen on every node address): omit it, or omit --dataplane');
  }
  if (process.getuid?.() !== 0) throw new ConfigError('--dataplane needs root (the lab creates network namespaces)');
  return dataplane;
}

function routeBackendOf(options: SimulateOptions): 'netlink' | 'mock' {
  const value = options.routeBackend ?? 'netlink';
  if (value !== 'netlink' && value !== 'mock') throw new ConfigError(`--route-backend: expected netlink or mock, got "${value}"`);
  return value;
}

/** The lab's protocol for a simulator protocol; SCTP is refused with the reason. */
async function labProtocolOf(protocol: Protocol): Promise<LabProtocol> {
  if (protocol === 'TCP') return 'tcp';
  if (protocol === 'UDP') return 'udp';
  if (!(await kernelHas('sctp'))) {
    throw new ConfigError('--protocol SCTP with --dataplane needs SCTP sockets, which this kernel does not have: ask TCP or UDP, or omit --dataplane');
  }
  throw new ConfigError('--protocol SCTP with --dataplane is not implemented yet (the lab\'s pods serve TCP and UDP): ask TCP or UDP, or omit --dataplane');
}

/** This same CLI (compiled, or under tsx with the loader flags it runs with), as an argv prefix. */
function thisCli(): string[] {
  return [process.execPath, ...process.execArgv, resolve(process.argv[1] ?? '')];
}

/** Lab failures are expected failures of a dataplane run: one line, exit 2. */
async function asConfigErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof LabError || error instanceof LabConfigError) throw new ConfigError(`--dataplane: ${error.message}`);
    throw error;
  }
}

async function dataplaneMatrixAnswer(snapshot: ClusterSnapshot, options: SimulateOptions, dataplane: 'iptables' | 'nftables'): Promise<Answer> {
  const ports = distinct((options.port ?? ['80']).map(parsePort));
  const protocols = distinct((options.protocol ?? ['TCP']).map(parseProtocol));
  const labProtocols = await Promise.all(protocols.map(labProtocolOf));
  const keys = snapshot.pods().filter(isMatrixPod).map((pod) => pod.key).sort();
  const files = options.file.map((file) => resolve(file));
  const results = await asConfigErrors(() => withDataplaneLab(snapshot, {
    command: thisCli(),
    manifests: files,
    routeBackend: routeBackendOf(options),
    firewallBackend: dataplane,
    extraPodPorts: ports.flatMap((port) => labProtocols.map((protocol) => ({ port, protocol }))),
  }, async (lab) => {
    const built = new Set(lab.topology.pods.map((pod) => pod.key));
    const missing = keys.filter((key) => !built.has(key));
    if (missing.length > 0) throw new ConfigError(`--dataplane: the lab could not build ${missing.join(', ')}`);
    return dataplaneMatrix(lab, keys, ports, labProtocols);
  }));
  const lines = (): string[] => results.flatMap(({ port, protocol, matrix }) => [
    `${protocol}/${port} (${dataplane} dataplane, real traffic; rows: from, columns: to)`,
    ...keys.map((from) => `  ${from}: ${keys.filter((to) => matrix[from]?.[to]).join(', ') || '(none)'}`),
  ]);
  return { json: { results }, lines };
}

async function dataplaneTraceAnswer(snapshot: ClusterSnapshot, options: SimulateOptions, nodeName: string, dataplane: Dataplane): Promise<Answer> {
  if (options.from === undefined) throw new ConfigError('--node needs --from IP');
  if (options.to === undefined) throw new ConfigError('--node needs --to IP');
  const port = parsePort(single('--port', options.port, '--node'));
  const protocol = await labProtocolOf(parseProtocol(single('--protocol', options.protocol, '--node', 'TCP')));
  const clusterCIDRs = parseCidrList('--cluster-cidr', options.clusterCidr);
  if (snapshot.node(nodeName) === undefined) throw new ConfigError(`--node: no node "${nodeName}" in the cluster`);
  if (dataplane === 'ipvs' && !(await kernelHas('ipvs'))) {
    throw new ConfigError('--dataplane ipvs needs IPVS (module ip_vs), which this kernel does not have: use --dataplane nftables or iptables, or run it in the kernel VM (kube-router lab vm -- ...)');
  }
  const files = options.file.map((file) => resolve(file));
  const from = options.from;
  const to = options.to;
  const result = await asConfigErrors(() => withDataplaneLab(snapshot, {
    command: thisCli(),
    manifests: files,
    routeBackend: routeBackendOf(options),
    proxyBackend: dataplane,
    clusterCIDRs: clusterCIDRs.length > 0 ? clusterCIDRs : undefined,
    masqueradeAll: options.masqueradeAll ?? false,
  }, (lab) => dataplaneTrace(lab, { node: nodeName, from, to, port, protocol })));
  return { json: result, lines: () => [`${nodeName}: ${from} -> ${to}:${port}/${protocol.toUpperCase()}: ${result.verdict}`, ...result.explain.map((line) => `  ${line}`)] };
}

type Mode = '--matrix' | '--explain' | '--node';

/** `--output` of simulate: `json` or `table` (`text`, the other commands' word, is taken as `table`). */
function parseSimulateOutput(value: string): 'json' | 'table' {
  if (value === 'json') return 'json';
  if (value === 'table' || value === 'text') return 'table';
  throw new ConfigError(`--output: expected json or table, got "${value}"`);
}

function parsePort(text: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw new ConfigError(`--port: expected a port number 1..65535, got "${text}"`);
  return port;
}

function parseProtocol(text: string): Protocol {
  const protocol = PROTOCOLS.find((known) => known === text.toUpperCase());
  if (protocol === undefined) throw new ConfigError(`--protocol: expected ${PROTOCOLS.join(', ')} (any case), got "${text}"`);
  return protocol;
}

/** Distinct values in the order first given: `--port 80 --port 80` asks once. */
function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** The one value of a flag that takes one outside `--matrix`. */
function single(flag: string, values: readonly string[] | undefined, mode: Mode, fallback?: string): string {
  if (values === undefined || values.length === 0) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`${mode} needs ${flag}`);
  }
  if (values.length > 1) throw new ConfigError(`${flag}: give it once with ${mode} (several are for --matrix)`);
  return values[0] as string;
}

function modeOf(options: SimulateOptions): Mode {
  const modes: Mode[] = [];
  if (options.matrix) modes.push('--matrix');
  if (options.explain) modes.push('--explain');
  if (options.node !== undefined) modes.push('--node');
  if (modes.length > 1) {
    throw new ConfigError(
      `${modes.join(' and ')} do not go together: --matrix and --explain answer NetworkPolicy questions between pods, --node NAME traces a packet through that node's service proxy`,
    );
  }
  const mode = modes[0];
  if (mode === undefined) {
    throw new ConfigError('say what to simulate: --matrix, --explain --from NS/POD --to NS/POD --port N, or --node NAME --from IP --to IP --port N');
  }
  const proxyFlags: [string, unknown][] = [
    ['--cluster-cidr', options.clusterCidr],
    ['--masquerade-all', options.masqueradeAll],
    ['--nodeport-addresses', options.nodeportAddresses],
  ];
  const foreign: [string, unknown][] =
    mode === '--node' ? [] : mode === '--matrix' ? [...proxyFlags, ['--from', options.from], ['--to', options.to]] : proxyFlags;
  const misplaced = foreign.find(([, value]) => value !== undefined);
  if (misplaced) throw new ConfigError(`${misplaced[0]} is not used with ${mode}`);
  return mode;
}

/** A pod `--from`/`--to` names for `--explain`, checked against the cluster. */
function policyPod(snapshot: ClusterSnapshot, flag: string, key: string | undefined): Pod {
  if (key === undefined) throw new ConfigError(`--explain needs ${flag} NAMESPACE/POD`);
  if (!/^[^/]+\/[^/]+$/.test(key)) throw new ConfigError(`${flag}: expected NAMESPACE/POD, got "${key}"`);
  const pod = snapshot.pod(key);
  if (pod === undefined) throw new ConfigError(`${flag}: no pod "${key}" in the cluster`);
  if (pod.hostNetwork) throw new ConfigError(`${flag}: pod ${key} uses the host network, which NetworkPolicy does not apply to`);
  if (pod.nodeName === undefined || pod.podIPs.length === 0) {
    throw new ConfigError(`${flag}: pod ${key} has no node or no IP yet (phase ${pod.phase})`);
  }
  return pod;
}

/** Pods of a matrix: running, on the pod network, with an IP. */
function isMatrixPod(pod: Pod): boolean {
  return pod.phase === 'Running' && !pod.hostNetwork && pod.podIPs.length > 0 && pod.nodeName !== undefined;
}

/** Firewall plans of the nodes `pods` run on, by the node name each pod carries (a Node object is not needed). */
function firewallPlansFor(snapshot: ClusterSnapshot, pods: readonly Pod[]) {
  const nodes = distinct(pods.map((pod) => pod.nodeName).filter((node): node is string => node !== undefined)).sort();
  return nodes.map((node) => planFirewall(snapshot, node));
}

/** An answer in both output forms. */
interface Answer {
  readonly json: unknown;
  readonly lines: () => string[];
}

function simulateMatrix(snapshot: ClusterSnapshot, options: SimulateOptions): Answer {
  const ports = distinct((options.port ?? ['80']).map(parsePort));
  const protocols = distinct((options.protocol ?? ['TCP']).map(parseProtocol));
  const pods = snapshot.pods().filter(isMatrixPod);
  const keys = pods.map((pod) => pod.key).sort();
  const plans = firewallPlansFor(snapshot, pods);
  // Port-major: every protocol of the first port, then of the next.
  const matrices = ports.flatMap((port) => protocols.map((protocol) => reachabilityMatrix(plans, keys, port, protocol)));
  const results = matrices.map(({ port, protocol, matrix }) => ({ port, protocol, matrix }));
  return { json: { results }, lines: () => reachabilityMatrixLines(matrices) };
}

function simulateExplain(snapshot: ClusterSnapshot, options: SimulateOptions): Answer {
  const port = parsePort(single('--port', options.port, '--explain'));
  const protocol = parseProtocol(single('--protocol', options.protocol, '--explain', 'TCP'));
  const from = policyPod(snapshot, '--from', options.from);
  const to = policyPod(snapshot, '--to', options.to);
  const query = { from: from.key, to: to.key, port, protocol };
  const result = canReach(firewallPlansFor(snapshot, [from, to]), query);
  return { json: { allowed: result.allowed, explain: result.explain }, lines: () => reachResultLines(query, result) };
}

function simulateTrace(snapshot: ClusterSnapshot, options: SimulateOptions, nodeName: string): Answer {
  if (options.from === undefined) throw new ConfigError('--node needs --from IP');
  if (options.to === undefined) throw new ConfigError('--node needs --to IP');
  const port = parsePort(single('--port', options.port, '--node'));
  const protocol = parseProtocol(single('--protocol', options.protocol, '--node', 'TCP'));
  const clusterCIDRs = parseCidrList('--cluster-cidr', options.clusterCidr);
  const nodePortAddresses = parseCidrList('--nodeport-addresses', options.nodeportAddresses);
  if (snapshot.node(nodeName) === undefined) throw new ConfigError(`--node: no node "${nodeName}" in the cluster`);
  const plan = planServices(snapshot, nodeName, { clusterCIDRs, masqueradeAll: options.masqueradeAll ?? false, nodePortAddresses });
  const packet = { from: options.from, to: options.to, port, protocol };
  const result = tracePacket(plan, packet);
  const json = { verdict: result.verdict, backends: result.backends, masquerade: result.masquerade, explain: result.explain };
  return { json, lines: () => traceResultLines(nodeName, packet, result) };
}

/**
 * `kube-router simulate`: answers questions from the plans of a cluster read from manifests.
 *
 * - `--matrix [--port N]... [--protocol P]...`: who may connect to whom under the
 *   NetworkPolicies, for every running non-hostNetwork pod with an IP (a pod to itself
 *   included), one matrix per port and protocol, ports in the order given and for each port the
 *   protocols in the order given (defaults: 80, TCP; repeats are asked once). JSON:
 *   `{"results":[{"port","protocol","matrix":{from:{to:bool}}}]}`.
 * - `--explain --from NS/POD --to NS/POD --port N [--protocol P]`: which policy and rule
 *   allow each direction, or why not. JSON: `{"allowed","explain"}`.
 * - `--node NAME --from IP --to IP --port N [--protocol P] [--cluster-cidr] [--masquerade-all]
 *   [--nodeport-addresses]`: what node NAME's service proxy does with that packet. JSON:
 *   `{"verdict","backends","masquerade","explain"}`.
 * - `--dataplane iptables|nftables` (root) with `--matrix` or `--node`: the same JSON, answered
 *   by real traffic in the lab (the manifests brought up as network namespaces, the reference
 *   agent in every node with netlink routes and that firewall or proxy backend), torn down
 *   afterwards, also on failure or SIGINT. `--matrix`: a cell is true when the target pod
 *   answered (every pod serves every asked port, so a failed probe was filtered). `--node`:
 *   `backends` are the endpoints that answered over {@link DATAPLANE_TRACE_TRIES} connections,
 *   `masquerade` whether one saw a source other than `--from`. `--dataplane ipvs` (`--node`
 *   only) needs a kernel with IPVS; SCTP is refused.
 *
 * Protocols are read in any case and printed upper case. Bad flags, an unknown node or pod, an
 * invalid IP and conflicting modes print one line on stderr and exit 2.
 */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('answer reachability (NetworkPolicy) and packet trace (service proxy) questions from plans')
    .requiredOption('-f, --file <path>', 'manifest file or directory (repeatable)', collect)
    .option('--matrix', 'who may connect to whom, for every pod pair')
    .option('--explain', 'why --from may or may not connect to --to (pods)')
    .option('--node <name>', 'trace a packet through this node\'s service proxy')
    .option('--from <pod-or-ip>', 'source: NAMESPACE/POD with --explain, an IP with --node')
    .option('--to <pod-or-ip>', 'destination: NAMESPACE/POD with --explain, an IP with --node')
    .option('--port <n>', 'destination port (repeatable with --matrix; default 80 there)', collect)
    .option('--protocol <p>', 'TCP, UDP or SCTP (repeatable with --matrix; default TCP)', collect)
    .option('--cluster-cidr <cidrs>', 'pod CIDRs of the cluster, comma-separated (with --node)')
    .option('--masquerade-all', 'masquerade all traffic to service VIPs (with --node)')
    .option('--nodeport-addresses <cidrs>', 'CIDRs of the node addresses NodePorts listen on (with --node)')
    .option('--dataplane <target>', 'answer with real traffic in the lab instead of the plans: iptables or nftables (or ipvs with --node); needs root')
    .option('--route-backend <name>', 'with --dataplane: the agents\' route backend, netlink (default) or mock')
    .option('-o, --output <format>', 'json or table', parseSimulateOutput, 'table')
    .action(async (options: SimulateOptions) => {
      const mode = modeOf(options);
      const dataplane = dataplaneOf(options, mode);
      const { snapshot, problems } = await loadCluster(options.file);
      const answer = dataplane !== undefined
        ? mode === '--matrix'
          ? await dataplaneMatrixAnswer(snapshot, options, dataplane as 'iptables' | 'nftables')
          : await dataplaneTraceAnswer(snapshot, options, options.node ?? '', dataplane)
        : mode === '--matrix'
          ? simulateMatrix(snapshot, options)
          : mode === '--explain'
            ? simulateExplain(snapshot, options)
            : simulateTrace(snapshot, options, options.node ?? '');
      // Problems in the manifests are warnings of a run that answered; a run that fails says
      // only why, in one line.
      for (const problem of problems) console.error(formatProblem(problem));
      if (options.output === 'json') process.stdout.write(`${JSON.stringify(answer.json, null, 2)}\n`);
      else process.stdout.write(`${answer.lines().join('\n')}\n`);
    });
}
