import { resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { Protocol } from '../../core/model/index.js';
import type { ClusterSnapshot } from '../../core/store/snapshot.js';
import {
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
import { parseCidrList } from '../options.js';
import { distinct, parsePort, parseProtocol, type Answer, type Mode, type SimulateOptions, type TraceQueries, type TraceQuery } from './simulate-options.js';
import { isMatrixPod, simulateTrace } from './simulate-plans.js';

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
export function dataplaneOf(options: SimulateOptions, mode: Mode): Dataplane | undefined {
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

/** `--matrix --dataplane`: the policy matrix from real probes between the lab's pods, with that firewall backend. */
export async function dataplaneMatrixAnswer(snapshot: ClusterSnapshot, options: SimulateOptions, dataplane: 'iptables' | 'nftables'): Promise<Answer> {
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

/** `--node --dataplane`: each question answered by real connections in the lab, with that proxy backend. */
export async function dataplaneTraceAnswer(snapshot: ClusterSnapshot, options: SimulateOptions, traces: TraceQueries, dataplane: Dataplane): Promise<Answer> {
  const protocols = await Promise.all(traces.queries.map((query) => labProtocolOf(query.protocol)));
  const clusterCIDRs = parseCidrList('--cluster-cidr', options.clusterCidr);
  const serviceCIDRs = parseCidrList('--service-cluster-ip-range', options.serviceClusterIpRange);
  const timeoutMs = options.inKernelVm ? VM_PROBE_TIMEOUT_MS : undefined;
  const files = options.file.map((file) => resolve(file));
  const results = await asConfigErrors(() => withDataplaneLab(snapshot, {
    command: thisCli(),
    manifests: files,
    routeBackend: routeBackendOf(options),
    proxyBackend: dataplane,
    clusterCIDRs: clusterCIDRs.length > 0 ? clusterCIDRs : undefined,
    masqueradeAll: options.masqueradeAll ?? false,
    serviceClusterIPRanges: serviceCIDRs.length > 0 ? serviceCIDRs : undefined,
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
export async function traceInKernelVm(snapshot: ClusterSnapshot, options: SimulateOptions, nodeName: string, traces: TraceQueries): Promise<void> {
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
    ...(options.serviceClusterIpRange !== undefined ? ['--service-cluster-ip-range', options.serviceClusterIpRange] : []),
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

