import type { ProbeRequest, ProbeResult } from './probe.js';
import type { LabProtocol } from './topology.js';

/** Every ordered pair of pods probed on every port and protocol. */
export interface MatrixResult {
  readonly pods: readonly string[];
  readonly ports: readonly number[];
  readonly protocols: readonly LabProtocol[];
  /** One result per (from, to, port, protocol), in that nesting order. */
  readonly results: readonly ProbeResult[];
  readonly elapsedMs: number;
}

/** The probes of a matrix: all ordered pairs, a pod to itself included. */
export function matrixRequests(
  pods: readonly string[],
  ports: readonly number[],
  protocols: readonly LabProtocol[],
  timeoutMs: number,
): ProbeRequest[] {
  return pods.flatMap((from) =>
    pods.flatMap((to) =>
      ports.flatMap((port) => protocols.map((protocol) => ({ from, to, port, protocol, timeoutMs })))));
}

/** One character per probe: `+` the target answered, `R` refused, `T` timeout, `U` unreachable, `?` connected but someone else or nobody answered. */
export function cellOf(result: ProbeResult): string {
  if (result.connected) return result.answeredBy === result.to ? '+' : '?';
  if (result.error === 'refused') return 'R';
  if (result.error === 'unreachable') return 'U';
  return 'T';
}

/** A compact table per port and protocol: rows are sources, columns targets (numbered). */
export function formatMatrix(matrix: MatrixResult): string {
  const lines: string[] = [];
  const width = String(matrix.pods.length).length;
  matrix.pods.forEach((pod, index) => lines.push(`${String(index + 1).padStart(width)}  ${pod}`));
  for (const port of matrix.ports) {
    for (const protocol of matrix.protocols) {
      lines.push('', `${protocol}/${port}  (rows: from, columns: to; + answered, R refused, T timeout, U unreachable, ? other)`);
      lines.push(`${' '.repeat(width)}  ${matrix.pods.map((_, index) => String((index + 1) % 10)).join('')}`);
      matrix.pods.forEach((from, index) => {
        const row = matrix.pods.map((to) => {
          const found = matrix.results.find((result) =>
            result.from === from && result.to === to && result.port === port && result.protocol === protocol);
          return found ? cellOf(found) : ' ';
        });
        lines.push(`${String(index + 1).padStart(width)}  ${row.join('')}`);
      });
    }
  }
  const connected = matrix.results.filter((result) => result.connected).length;
  lines.push('', `${matrix.results.length} probes, ${connected} connected, ${matrix.elapsedMs} ms`);
  return lines.join('\n');
}
