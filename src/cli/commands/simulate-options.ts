import { ConfigError } from '../../core/errors.js';
import { PROTOCOLS, type Protocol } from '../../core/model/index.js';
import type { ClusterSnapshot } from '../../core/store/snapshot.js';

/** The flags of `kube-router simulate`, as commander parses them. */
export interface SimulateOptions {
  file: string[];
  matrix?: boolean;
  explain?: boolean;
  node?: string;
  from?: string;
  to?: string;
  port?: string[];
  protocol?: string[];
  clusterCidr?: string;
  serviceClusterIpRange?: string;
  masqueradeAll?: boolean;
  nodeportAddresses?: string;
  output: 'json' | 'table';
  dataplane?: string | boolean;
  routeBackend?: string;
  queries?: string;
  inKernelVm?: boolean;
}

/** One `--node` question: what `node`'s service proxy does with this packet. */
export interface TraceQuery {
  readonly node: string;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: Protocol;
}

/** The `--node` questions of a run: one from the flags, or several from `--queries` (answered as a JSON array). */
export interface TraceQueries {
  readonly queries: readonly TraceQuery[];
  readonly batch: boolean;
}

/** What a run asks: the policy matrix, one policy explanation, or a packet through a node's proxy. */
export type Mode = '--matrix' | '--explain' | '--node';

/** `--output` of simulate: `json` or `table` (`text`, the other commands' word, is taken as `table`). */
export function parseSimulateOutput(value: string): 'json' | 'table' {
  if (value === 'json') return 'json';
  if (value === 'table' || value === 'text') return 'table';
  throw new ConfigError(`--output: expected json or table, got "${value}"`);
}

/** `--port`: 1..65535, digits only. */
export function parsePort(text: string): number {
  const port = /^[0-9]{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) throw new ConfigError(`--port: expected a port number 1..65535, got "${text}"`);
  return port;
}

/** `--protocol`: TCP, UDP or SCTP in any case. */
export function parseProtocol(text: string): Protocol {
  const protocol = PROTOCOLS.find((known) => known === text.toUpperCase());
  if (protocol === undefined) throw new ConfigError(`--protocol: expected ${PROTOCOLS.join(', ')} (any case), got "${text}"`);
  return protocol;
}

/** Distinct values in the order first given: `--port 80 --port 80` asks once. */
export function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** The one value of a flag that takes one outside `--matrix`. */
export function single(flag: string, values: readonly string[] | undefined, mode: Mode, fallback?: string): string {
  if (values === undefined || values.length === 0) {
    if (fallback !== undefined) return fallback;
    throw new ConfigError(`${mode} needs ${flag}`);
  }
  if (values.length > 1) throw new ConfigError(`${flag}: give it once with ${mode} (several are for --matrix)`);
  return values[0] as string;
}

/** The one mode the flags ask for, refusing flags that belong to another mode. */
export function modeOf(options: SimulateOptions): Mode {
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
    ['--service-cluster-ip-range', options.serviceClusterIpRange],
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

/** An answer in both output forms. */
export interface Answer {
  readonly json: unknown;
  readonly lines: () => string[];
}

/** Checks one entry of `--queries`. */
export function queryOf(entry: unknown, index: number, nodeName: string): TraceQuery {
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
export function traceQueriesOf(snapshot: ClusterSnapshot, options: SimulateOptions, nodeName: string): TraceQueries {
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

