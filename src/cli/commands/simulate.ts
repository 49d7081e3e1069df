import { Option, type Command } from 'commander';
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
  kernelVmMissing,
  KernelVmError,
  ownerOf,
  planTopology,
  LabConfigError,
  LabError,
  runCliInKernelVm,
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
  queries?: string;
  inKernelVm?: boolean;
}

/** One `--node` question: what `node`'s service proxy does with this packet. */
interface TraceQuery {
  readonly node: string;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: Protocol;
}

/** The `--node` questions of a run: one from the flags, or several from `--queries` (answered as a JSON array). */
interface TraceQueries {
  readonly queries: readonly TraceQuery[];
  readonly batch: boolean;
}

/**
 * Per connection of a trace in the kernel VM: under emulation a pod server may take longer
 * than the lab's default second to answer one of 60 concurrent connections.
 */
const VM_PROBE_TIMEOUT_MS = 5000;

/** The run id of a topology planned on the host only to check the question (the guest plans its own). */
const CHECK_RUN_ID = '000000';

/** The wait for the agents' first syncs in the kernel VM, where they start and sync on one emulated CPU. */
const VM_AGENT_READY_TIMEOUT_MS = 240_000;

/** The dataplanes `--dataplane` can ask. */
const DATAPLANES = ['iptables', 'nftables', 'ipvs'] as const;
type Dataplane = (typeof DATAPLANES)[number];

/** `--dataplane`'s value, checked against the mode (the firewall has no ipvs backend). */
function dataplaneOf(options: SimulateOptions, mode: Mode): Dataplane | undefined {
  if (options.dataplane === undefined) {
    if (options.routeBackend !== undefined) throw new ConfigError('--route-backend is used only with --dataplane');
    if (options.inKernelVm !== undefined) throw new ConfigError('--in-kernel-vm is used only with --dataplane');
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

async function dataplaneTraceAnswer(snapshot: ClusterSnapshot, options: SimulateOptions, traces: TraceQueries, dataplane: Dataplane): Promise<Answer> {
  const protocols = await Promise.all(traces.queries.map((query) => labProtocolOf(query.protocol)));
  const clusterCIDRs = parseCidrList('--cluster-cidr', options.clusterCidr);
  const timeoutMs = options.inKernelVm ? VM_PROBE_TIMEOUT_MS : undefined;
  const files = options.file.map((file) => resolve(file));
  const results = await asConfigErrors(() => withDataplaneLab(snapshot, {
    command: thisCli(),
    manifests: files,
    routeBackend: routeBackendOf(options),
    proxyBackend: dataplane,
    clusterCIDRs: clusterCIDRs.length > 0 ? clusterCIDRs : undefined,
    masqueradeAll: options.masqueradeAll ?? false,
    agentReadyTimeoutMs: options.inKernelVm ? VM_AGENT_READY_TIMEOUT_MS : undefined,
  }, async (lab) => {
    const answers = [];
    for (const [index, query] of traces.queries.entries()) {
      const { node, from, to, port } = query;
      answers.push(await dataplaneTrace(lab, { node, from, to, port, protocol: protocols[index] as LabProtocol, timeoutMs }));
    }
    return answers;
  }));
  const lines = (): string[] => results.flatMap((result, index) => {
    const { node, from, to, port, protocol } = traces.queries[index] as TraceQuery;
    return [`${node}: ${from} -> ${to}:${port}/${protocol}: ${result.verdict}`, ...result.explain.map((line) => `  ${line}`)];
  });
  return { json: traces.batch ? results : results[0], lines };
}

/**
 * `--dataplane ipvs` on a kernel without IPVS: this CLI with the same question in the kernel
 * VM, whose kernel has IPVS; its output and exit code become this run's.
 */
async function traceInKernelVm(snapshot: ClusterSnapshot, options: SimulateOptions, nodeName: string, traces: TraceQueries): Promise<void> {
  // What the guest would refuse is refused here, without a boot: an address that is none or
  // of mixed families (the plans' own trace checks them), the protocol, a cluster the lab
  // cannot build, a source that is no one in the lab.
  simulateTrace(snapshot, options, traces);
  if (traces.queries.some((query) => query.protocol === 'SCTP')) {
    throw new ConfigError('--protocol SCTP with --dataplane is not implemented yet (the lab\'s pods serve TCP and UDP): ask TCP or UDP, or omit --dataplane');
  }
  const topology = await asConfigErrors(async () => planTopology(snapshot, CHECK_RUN_ID, {}));
  for (const query of traces.queries) await asConfigErrors(async () => ownerOf(topology, query.from));
  const missing = await kernelVmMissing();
  if (missing !== undefined) {
    throw new ConfigError(`--dataplane ipvs needs IPVS (module ip_vs), which this kernel does not have, and the kernel VM that has it cannot run here: ${missing}. Use --dataplane nftables or iptables`);
  }
  const files = options.file.map((file) => resolve(file));
  const [first] = traces.queries;
  const question = traces.batch || first === undefined
    ? ['--queries', JSON.stringify(traces.queries)]
    : ['--from', first.from, '--to', first.to, '--port', String(first.port), '--protocol', first.protocol];
  const args = [
    'simulate', ...files.flatMap((file) => ['-f', file]), '--node', nodeName, ...question,
    ...(options.clusterCidr !== undefined ? ['--cluster-cidr', options.clusterCidr] : []),
    ...(options.masqueradeAll ? ['--masquerade-all'] : []),
    '--dataplane', 'ipvs', '--route-backend', routeBackendOf(options),
    '--in-kernel-vm', '--output', options.output,
  ];
  // The VM ends with this process: an interrupt kills qemu instead of leaving it running.
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const result = await runCliInKernelVm({ cli: thisCli(), args, paths: files, cwd: process.cwd(), signal: abort.signal });
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    console.error(`kube-router: ran in the kernel VM (Linux ${result.kernelVersion}; this kernel has no IPVS): boot ${result.bootSeconds.toFixed(1)} s, simulate ${result.commandSeconds.toFixed(1)} s`);
    process.exitCode = result.exitCode;
  } catch (error) {
    if (error instanceof KernelVmError || error instanceof LabError) throw new ConfigError(`--dataplane ipvs in the kernel VM: ${error.message}`);
    throw error;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  }
}

/** Checks one entry of `--queries`. */
function queryOf(entry: unknown, index: number, nodeName: string): TraceQuery {
  const where = `--queries: entry ${index + 1}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new ConfigError(`${where}: expected an object {"from","to","port"}, got ${JSON.stringify(entry)}`);
  const { from, to, port, protocol, node } = entry as Record<string, unknown>;
  if (typeof from !== 'string' || typeof to !== 'string') throw new ConfigError(`${where}: "from" and "to" must be IP addresses as strings`);
  if (typeof port !== 'number' && typeof port !== 'string') throw new ConfigError(`${where}: "port" must be a port number`);
  if (protocol !== undefined && typeof protocol !== 'string') throw new ConfigError(`${where}: "protocol" must be TCP, UDP or SCTP`);
  if (node !== undefined && typeof node !== 'string') throw new ConfigError(`${where}: "node" must be a node name`);
  return { node: node ?? nodeName, from, to, port: parsePort(String(port)), protocol: parseProtocol(protocol ?? 'TCP') };
}

/** The questions of a `--node` run, each node checked against the cluster. */
function traceQueriesOf(snapshot: ClusterSnapshot, options: SimulateOptions, nodeName: string): TraceQueries {
  let traces: TraceQueries;
  if (options.queries === undefined) {
    if (options.from === undefined) throw new ConfigError('--node needs --from IP');
    if (options.to === undefined) throw new ConfigError('--node needs --to IP');
    const port = parsePort(single('--port', options.port, '--node'));
    const protocol = parseProtocol(single('--protocol', options.protocol, '--node', 'TCP'));
    traces = { queries: [{ node: nodeName, from: options.from, to: options.to, port, protocol }], batch: false };
  } else {
    const flag = ([['--from', options.from], ['--to', options.to], ['--port', options.port], ['--protocol', options.protocol]] as const)
      .find(([, value]) => value !== undefined);
    if (flag !== undefined) throw new ConfigError(`${flag[0]} does not go with --queries, whose entries name their own`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(options.queries);
    } catch (error) {
      throw new ConfigError(`--queries: expected a JSON array of {"from","to","port"[,"protocol","node"]}: ${(error as Error).message}`);
    }
    if (!Array.isArray(parsed) || parsed.length === 0) throw new ConfigError('--queries: expected a non-empty JSON array of {"from","to","port"[,"protocol","node"]}');
    traces = { queries: parsed.map((entry, index) => queryOf(entry, index, nodeName)), batch: true };
  }
  for (const node of distinct(traces.queries.map((query) => query.node))) {
    if (snapshot.node(node) === undefined) throw new ConfigError(`--node: no node "${node}" in the cluster`);
  }
  return traces;
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
    ['--queries', options.queries],
    ['--in-kernel-vm', options.inKernelVm],
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

function simulateTrace(snapshot: ClusterSnapshot, options: SimulateOptions, traces: TraceQueries): Answer {
  const clusterCIDRs = parseCidrList('--cluster-cidr', options.clusterCidr);
  const nodePortAddresses = parseCidrList('--nodeport-addresses', options.nodeportAddresses);
  const plans = new Map<string, ReturnType<typeof planServices>>();
  const planOf = (node: string): ReturnType<typeof planServices> => {
    const plan = plans.get(node) ?? planServices(snapshot, node, { clusterCIDRs, masqueradeAll: options.masqueradeAll ?? false, nodePortAddresses });
    plans.set(node, plan);
    return plan;
  };
  const answers = traces.queries.map(({ node, from, to, port, protocol }) => {
    const packet = { from, to, port, protocol };
    const result = tracePacket(planOf(node), packet);
    const json = { verdict: result.verdict, backends: result.backends, masquerade: result.masquerade, explain: result.explain };
    return { json, lines: traceResultLines(node, packet, result) };
  });
  return { json: traces.batch ? answers.map((answer) => answer.json) : answers[0]?.json, lines: () => answers.flatMap((answer) => answer.lines) };
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
 *   only): on a kernel without IPVS the question goes to the kernel VM (see `lab vm`; needs
 *   qemu and Debian's kernel), where this same CLI answers it with the agents' IPVS proxy in
 *   a lab of its own; its output and exit code become this run's, and a line on stderr says
 *   so with the boot and run times. Where the VM cannot run, one line names what is missing.
 *   SCTP is refused.
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
    .option('--dataplane <target>', 'answer with real traffic in the lab instead of the plans: iptables or nftables (or ipvs with --node, in the kernel VM where this kernel has no IPVS); needs root')
    .option('--route-backend <name>', 'with --dataplane: the agents\' route backend, netlink (default) or mock')
    // For tests and the kernel VM hand-off: several --node questions in one run (one lab), and
    // the run inside the VM, which allows for emulation. Not part of the command's interface.
    .addOption(new Option('--queries <json>', 'JSON array of {"from","to","port"[,"protocol","node"]} instead of --from/--to/--port/--protocol').hideHelp())
    .addOption(new Option('--in-kernel-vm', 'this run is the kernel VM\'s own: longer waits for emulation, and no VM of its own').hideHelp())
    .option('-o, --output <format>', 'json or table', parseSimulateOutput, 'table')
    .action(async (options: SimulateOptions) => {
      const mode = modeOf(options);
      const dataplane = dataplaneOf(options, mode);
      const { snapshot, problems } = await loadCluster(options.file);
      const traces = mode === '--node' ? traceQueriesOf(snapshot, options, options.node ?? '') : undefined;
      if (traces !== undefined && dataplane === 'ipvs' && !options.inKernelVm && !(await kernelHas('ipvs'))) {
        // The guest loads the same manifests and prints their problems itself.
        await traceInKernelVm(snapshot, options, options.node ?? '', traces);
        return;
      }
      const answer = dataplane !== undefined
        ? traces === undefined
          ? await dataplaneMatrixAnswer(snapshot, options, dataplane as 'iptables' | 'nftables')
          : await dataplaneTraceAnswer(snapshot, options, traces, dataplane)
        : mode === '--matrix'
          ? simulateMatrix(snapshot, options)
          : traces === undefined
            ? simulateExplain(snapshot, options)
            : simulateTrace(snapshot, options, traces);
      // Problems in the manifests are warnings of a run that answered; a run that fails says
      // only why, in one line.
      for (const problem of problems) console.error(formatProblem(problem));
      if (options.output === 'json') process.stdout.write(`${JSON.stringify(answer.json, null, 2)}\n`);
      else process.stdout.write(`${answer.lines().join('\n')}\n`);
    });
}
