import { ConfigError } from '../../core/errors.js';
import type { Pod } from '../../core/model/index.js';
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
import { parseCidrList } from '../options.js';
import { distinct, parsePort, parseProtocol, single, type Answer, type SimulateOptions, type TraceQueries } from './simulate-options.js';

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
export function isMatrixPod(pod: Pod): boolean {
  return pod.phase === 'Running' && !pod.hostNetwork && pod.podIPs.length > 0 && pod.nodeName !== undefined;
}

/** Firewall plans of the nodes `pods` run on, by the node name each pod carries (a Node object is not needed). */
function firewallPlansFor(snapshot: ClusterSnapshot, pods: readonly Pod[]) {
  const nodes = distinct(pods.map((pod) => pod.nodeName).filter((node): node is string => node !== undefined)).sort();
  return nodes.map((node) => planFirewall(snapshot, node));
}

/** `--matrix`: who may connect to whom, from the nodes' firewall plans. */
export function simulateMatrix(snapshot: ClusterSnapshot, options: SimulateOptions): Answer {
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

/** `--explain`: which policy and rule allow each direction between two pods, or why not. */
export function simulateExplain(snapshot: ClusterSnapshot, options: SimulateOptions): Answer {
  const port = parsePort(single('--port', options.port, '--explain'));
  const protocol = parseProtocol(single('--protocol', options.protocol, '--explain', 'TCP'));
  const from = policyPod(snapshot, '--from', options.from);
  const to = policyPod(snapshot, '--to', options.to);
  const query = { from: from.key, to: to.key, port, protocol };
  const result = canReach(firewallPlansFor(snapshot, [from, to]), query);
  return { json: { allowed: result.allowed, explain: result.explain }, lines: () => reachResultLines(query, result) };
}

/** `--node`: each packet traced through that node's service plan. */
export function simulateTrace(snapshot: ClusterSnapshot, options: SimulateOptions, traces: TraceQueries): Answer {
  const clusterCIDRs = parseCidrList('--cluster-cidr', options.clusterCidr);
  const nodePortAddresses = parseCidrList('--nodeport-addresses', options.nodeportAddresses);
  const serviceCIDRs = parseCidrList('--service-cluster-ip-range', options.serviceClusterIpRange);
  const plans = new Map<string, ReturnType<typeof planServices>>();
  const planOf = (node: string): ReturnType<typeof planServices> => {
    const plan = plans.get(node) ?? planServices(snapshot, node, { clusterCIDRs, serviceCIDRs, masqueradeAll: options.masqueradeAll ?? false, nodePortAddresses });
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

