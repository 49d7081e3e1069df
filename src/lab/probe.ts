import { join } from 'node:path';
import type { CommandRunner } from '../core/ports/command-runner.js';
import { isAddress } from './addresses.js';
import { LabError } from './errors.js';
import { execInNetns } from './netns.js';
import { RUN_FILES } from './run-state.js';
import type { LabProtocol, LabTopology } from './topology.js';

/** Why a probe did not connect. */
export type ProbeError = 'refused' | 'timeout' | 'unreachable';

/**
 * One probe. `from`: a pod key `namespace/name`, `node:NAME` (or a bare node name), or
 * `client`. `to`: the same forms (the first IP of the pod or node, the client's IP) or an IP.
 */
export interface ProbeRequest {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: LabProtocol;
  /** Default 1000. */
  readonly timeoutMs?: number;
}

/** What a probe found. */
export interface ProbeResult {
  readonly from: string;
  readonly to: string;
  /** The address probed. */
  readonly address: string;
  readonly port: number;
  readonly protocol: LabProtocol;
  /** TCP: the handshake completed. UDP: an answer came back. */
  readonly connected: boolean;
  /** The pod (`namespace/name`) that answered. */
  readonly answeredBy?: string | undefined;
  /** The client address the answering pod saw (`ip:port`), e.g. masqueraded or not. */
  readonly sourceSeen?: string | undefined;
  /** The port the answering pod served on (the service's target port after a DNAT). */
  readonly servedPort?: number | undefined;
  readonly error?: ProbeError | undefined;
  /** The socket error code behind `error`, e.g. `EHOSTUNREACH`. */
  readonly detail?: string | undefined;
  readonly elapsedMs: number;
}

/** Default time a probe waits for a connection or an answer. */
export const DEFAULT_PROBE_TIMEOUT_MS = 1000;
/** Probe runner processes at once (each runs all probes of one source namespace). */
const RUNNER_CONCURRENCY = 16;

/** The namespace a probe source runs in. Throws `LabError` for a name the lab does not have. */
export function sourceNetns(topology: LabTopology, from: string): string {
  if (from === 'client') return topology.client.netns;
  const pod = topology.pods.find((candidate) => candidate.key === from);
  if (pod) return pod.netns;
  const node = findNode(topology, from);
  if (node) return node.netns;
  throw new LabError(`no pod, node or client named ${from} in the lab`);
}

/** The address a probe target names. Throws `LabError` for a name the lab does not have. */
export function targetAddress(topology: LabTopology, to: string): string {
  if (isAddress(to)) return to;
  if (to === 'client') return topology.client.ip;
  const pod = topology.pods.find((candidate) => candidate.key === to);
  if (pod?.ips[0] !== undefined) return pod.ips[0];
  const node = findNode(topology, to);
  if (node?.internalIPs[0] !== undefined) return node.internalIPs[0];
  throw new LabError(`no pod, node, client or IP address ${to} in the lab`);
}

function findNode(topology: LabTopology, name: string): LabTopology['nodes'][number] | undefined {
  const bare = name.startsWith('node:') ? name.slice('node:'.length) : name;
  return topology.nodes.find((node) => node.name === bare);
}

interface RunnerRequest {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly protocol: LabProtocol;
  readonly timeoutMs: number;
}

type RunnerResult = Pick<ProbeResult, 'connected' | 'answeredBy' | 'sourceSeen' | 'servedPort' | 'error' | 'detail' | 'elapsedMs'> & {
  readonly id: number;
};

/**
 * Runs probes: one runner process per source namespace, all its probes concurrent inside it,
 * at most `RUNNER_CONCURRENCY` runners at once. Results come back in request order.
 */
export async function runProbes(
  runner: CommandRunner,
  topology: LabTopology,
  runDir: string,
  requests: readonly ProbeRequest[],
): Promise<ProbeResult[]> {
  const bySource = new Map<string, { request: ProbeRequest; id: number; address: string }[]>();
  requests.forEach((request, id) => {
    const netns = sourceNetns(topology, request.from);
    const entry = { request, id, address: targetAddress(topology, request.to) };
    bySource.set(netns, [...(bySource.get(netns) ?? []), entry]);
  });
  const results: ProbeResult[] = new Array<ProbeResult>(requests.length);
  const script = join(runDir, RUN_FILES.probe);
  const batches = [...bySource.entries()];
  const worker = async (): Promise<void> => {
    for (let batch = batches.shift(); batch !== undefined; batch = batches.shift()) {
      const [netns, entries] = batch;
      const input: RunnerRequest[] = entries.map(({ request, id, address }) => ({
        id, host: address, port: request.port, protocol: request.protocol,
        timeoutMs: request.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
      }));
      const longest = Math.max(...input.map((entry) => entry.timeoutMs));
      const { stdout } = await execInNetns(runner, netns, [process.execPath, script], {
        input: JSON.stringify(input),
        timeoutMs: longest + 10_000,
      });
      for (const found of JSON.parse(stdout) as RunnerResult[]) {
        const entry = entries.find((candidate) => candidate.id === found.id);
        if (!entry) continue;
        const { request, address } = entry;
        results[found.id] = {
          from: request.from, to: request.to, address, port: request.port, protocol: request.protocol,
          connected: found.connected, answeredBy: found.answeredBy, sourceSeen: found.sourceSeen, servedPort: found.servedPort,
          error: found.error, detail: found.detail, elapsedMs: found.elapsedMs,
        };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(RUNNER_CONCURRENCY, batches.length) }, worker));
  return results;
}
