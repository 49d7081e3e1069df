import type { ProbeResult } from './probe.js';
import type { Lab } from './lab.js';
import type { LabProtocol } from './topology.js';

/** One matrix of `simulate --matrix --output json`: `matrix[from][to]` says whether `from` reached `to`. */
export interface DataplaneMatrix {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly matrix: Record<string, Record<string, boolean>>;
}

/** Time a matrix probe waits: long enough for a cross-node answer, short for a dropped one. */
export const DATAPLANE_PROBE_TIMEOUT_MS = 1000;

/**
 * Whether a probe counts as allowed: the target itself answered. Every pod serves every probed
 * port in a dataplane lab, so a refusal or a silence is the network's doing (a REJECT or a
 * DROP), which the simulator calls not allowed.
 */
export function probeAllowed(result: ProbeResult): boolean {
  return result.connected && result.answeredBy === result.to;
}

/**
 * Probes every ordered pair of `pods` (a pod to itself included) on every port and protocol,
 * port-major as the simulator orders them, and answers in the simulator's JSON shape.
 */
export async function dataplaneMatrix(
  lab: Lab,
  pods: readonly string[],
  ports: readonly number[],
  protocols: readonly LabProtocol[],
  timeoutMs = DATAPLANE_PROBE_TIMEOUT_MS,
): Promise<DataplaneMatrix[]> {
  const probed = await lab.matrix(pods, ports, protocols, { timeoutMs });
  return matricesOf(probed.results, pods, ports, protocols);
}

/** The probe results as the simulator's matrices (rows and columns in the order of `pods`). */
export function matricesOf(
  results: readonly ProbeResult[],
  pods: readonly string[],
  ports: readonly number[],
  protocols: readonly LabProtocol[],
): DataplaneMatrix[] {
  const key = (from: string, to: string, port: number, protocol: LabProtocol): string => `${from}\u0000${to}\u0000${port}\u0000${protocol}`;
  const byKey = new Map(results.map((result) => [key(result.from, result.to, result.port, result.protocol), result]));
  return ports.flatMap((port) => protocols.map((protocol): DataplaneMatrix => {
    const matrix: Record<string, Record<string, boolean>> = {};
    for (const from of pods) {
      const row: Record<string, boolean> = {};
      for (const to of pods) {
        const result = byKey.get(key(from, to, port, protocol));
        row[to] = result !== undefined && probeAllowed(result);
      }
      matrix[from] = row;
    }
    return { port, protocol: protocol === 'tcp' ? 'TCP' : 'UDP', matrix };
  }));
}
