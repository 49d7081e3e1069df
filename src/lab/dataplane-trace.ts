import { canonicalAddress } from './addresses.js';
import { LabError } from './errors.js';
import type { Lab } from './lab.js';
import type { ProbeResult } from './probe.js';
import type { LabProtocol, LabTopology } from './topology.js';

/** A packet to send in the lab: `simulate --node NAME --from IP --to IP --port N --dataplane`. */
export interface DataplaneTraceQuery {
  /** The node whose service proxy should handle the packet. */
  readonly node: string;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: LabProtocol;
  /** Connections made; default {@link DATAPLANE_TRACE_TRIES}. */
  readonly tries?: number;
  /** Per connection; default 1000 ms. */
  readonly timeoutMs?: number;
}

/** The simulator's `--node` JSON shape, answered by real traffic. */
export interface DataplaneTraceResult {
  /** ACCEPT (something answered), REJECT (refused, never answered), DROP (no answer, no refusal). */
  readonly verdict: 'ACCEPT' | 'REJECT' | 'DROP';
  /** Endpoints (`ip:port`) that answered, sorted; empty when the destination itself answered. */
  readonly backends: string[];
  /** True when an endpoint saw a source other than `from`. */
  readonly masquerade: boolean;
  readonly explain: string[];
}

/**
 * Connections per trace: with 5 equally likely endpoints, the chance that one never answers
 * in 60 tries is 5 * 0.8^60, below 1e-5.
 */
export const DATAPLANE_TRACE_TRIES = 60;

/** The chance a trace may leave an endpoint unseen: 1e-5, as {@link DATAPLANE_TRACE_TRIES} for 5 endpoints. */
const MISSED_ENDPOINT_CHANCE = 1e-5;

/**
 * Connections enough for every one of `endpoints` equally likely endpoints to answer at least
 * once but with a chance below 1e-5 (`n * (1 - 1/n)^tries`), and never fewer than `least`
 * (a trace that must see a masquerade or a drop on several connections): 1 endpoint needs
 * `least`, 2 need 18, 3 need 32, 5 need 59.
 */
export function traceTriesFor(endpoints: number, least = 8): number {
  if (!Number.isInteger(endpoints) || endpoints < 0) throw new RangeError(`endpoints must be a count, not ${endpoints}`);
  if (endpoints <= 1) return least;
  const needed = Math.ceil(Math.log(MISSED_ENDPOINT_CHANCE / endpoints) / Math.log(1 - 1 / endpoints));
  return Math.max(least, needed);
}

/** Who in the lab owns `ip`: a pod key, `node:NAME` or `client`. */
export function ownerOf(topology: LabTopology, ip: string): string {
  const address = canonicalAddress(ip);
  if (canonicalAddress(topology.client.ip) === address) return 'client';
  const pod = topology.pods.find((candidate) => !candidate.hostNetwork && candidate.ips.some((own) => canonicalAddress(own) === address));
  if (pod) return pod.key;
  const node = topology.nodes.find((candidate) => candidate.internalIPs.some((own) => canonicalAddress(own) === address));
  if (node) return `node:${node.name}`;
  throw new LabError(`--from ${ip} is no pod, node or the outside client of the lab (the client is ${topology.client.ip})`);
}

/** The address of the pod `key` in the family of `like`. */
function podAddress(topology: LabTopology, key: string, like: string): string | undefined {
  const ips = topology.pods.find((pod) => pod.key === key)?.ips ?? [];
  return ips.find((ip) => ip.includes(':') === like.includes(':')) ?? ips[0];
}

/** The IP of `ip:port` or `[ip]:port`. */
function hostOf(endpoint: string): string {
  const match = /^\[?([^\]]+?)\]?:\d+$/.exec(endpoint);
  return match?.[1] ?? endpoint;
}

/**
 * Sends `tries` connections from the owner of `query.from` to `query.to`, and reads what the
 * kernel did from the answers. From the outside client, a destination that is no node address
 * (a cluster or external IP) is routed through `query.node` by a host route in the client's
 * namespace, as a router in front of that node would.
 */
export async function dataplaneTrace(lab: Lab, query: DataplaneTraceQuery): Promise<DataplaneTraceResult> {
  const topology = lab.topology;
  const source = ownerOf(topology, query.from);
  const node = topology.nodes.find((candidate) => candidate.name === query.node);
  if (!node) throw new LabError(`--node: no node ${query.node} in the lab`);
  const toNode = topology.nodes.some((candidate) => candidate.internalIPs.some((ip) => canonicalAddress(ip) === canonicalAddress(query.to)));
  if (source === 'client' && !toNode) {
    const via = node.internalIPs.find((ip) => ip.includes(':') === query.to.includes(':'));
    if (via === undefined) throw new LabError(`node ${node.name} has no address of the family of ${query.to}`);
    await lab.execIn('client', ['ip', 'route', 'replace', query.to, 'via', via]);
  }
  const tries = query.tries ?? DATAPLANE_TRACE_TRIES;
  const results = await lab.probeAll(Array.from({ length: tries }, () => ({
    from: source, to: query.to, port: query.port, protocol: query.protocol, timeoutMs: query.timeoutMs ?? 1000,
  })));
  return traceOf(topology, query, source, results);
}

/** What the answers of one trace say, in the simulator's shape. */
export function traceOf(topology: LabTopology, query: DataplaneTraceQuery, source: string, results: readonly ProbeResult[]): DataplaneTraceResult {
  const answered = results.filter((result) => result.connected && result.answeredBy !== undefined);
  const refused = results.filter((result) => result.error === 'refused').length;
  const counts = new Map<string, number>();
  let masquerade = false;
  const seen = new Set<string>();
  for (const result of answered) {
    const ip = podAddress(topology, result.answeredBy as string, query.to) ?? query.to;
    const port = result.servedPort ?? query.port;
    const endpoint = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
    counts.set(endpoint, (counts.get(endpoint) ?? 0) + 1);
    if (result.sourceSeen !== undefined) seen.add(canonicalAddress(hostOf(result.sourceSeen)));
    if (result.sourceSeen !== undefined && canonicalAddress(hostOf(result.sourceSeen)) !== canonicalAddress(query.from)) masquerade = true;
  }
  const direct = [...counts.keys()].every((endpoint) => canonicalAddress(hostOf(endpoint)) === canonicalAddress(query.to) && endpoint.endsWith(`:${query.port}`));
  const explain = [`lab: ${results.length} ${query.protocol.toUpperCase()} connections from ${source} (${query.from}) to ${query.to}:${query.port}`];
  if (answered.length > 0) {
    explain.push(`answered ${answered.length}: ${[...counts].map(([endpoint, count]) => `${endpoint} ${count}`).join(', ')}`);
    if (direct) explain.push('the destination itself answered: no DNAT');
    if (masquerade) explain.push('an endpoint saw a source other than the sender: masqueraded');
    // A masquerade to the address the packet already has (node traffic leaving by the node's
    // own address) cannot be seen: the sources tell what the endpoints saw.
    if (seen.size > 0) explain.push(`sources the endpoints saw: ${[...seen].sort().join(', ')}`);
    return { verdict: 'ACCEPT', backends: direct ? [] : [...counts.keys()].sort(), masquerade, explain };
  }
  if (refused > 0) {
    // A DROP never refuses; a refusal without any answer is a REJECT.
    explain.push(refused === results.length ? 'every connection was refused at once' : `${refused} connections refused, the others not answered`);
    return { verdict: 'REJECT', backends: [], masquerade: false, explain };
  }
  const errors = new Map<string, number>();
  for (const result of results) errors.set(result.detail ?? result.error ?? 'no answer', (errors.get(result.detail ?? result.error ?? 'no answer') ?? 0) + 1);
  explain.push(`no answer: ${[...errors].map(([error, count]) => `${count} ${error}`).join(', ')}`);
  return { verdict: 'DROP', backends: [], masquerade: false, explain };
}
