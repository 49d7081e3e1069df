import type { ReachQuery, ReachResult } from './reach-query.js';
import type { ReachabilityMatrix } from './reachability-matrix.js';
import type { TracePacket, TraceResult } from './trace-query.js';
import { endpointText } from './ip-matching.js';

function columnHeaders(count: number, indent: string): string[] {
  const digits = String(count).length;
  const rows: string[] = [];
  // One header row per digit of the column number, most significant first, so columns stay
  // one character wide however many pods there are.
  for (let place = digits - 1; place >= 0; place--) {
    const cells = Array.from({ length: count }, (_, index) => {
      const number = index + 1;
      return number >= 10 ** place ? String(Math.floor(number / 10 ** place) % 10) : ' ';
    });
    rows.push(`${indent}${cells.join('')}`.trimEnd());
  }
  return rows;
}

/**
 * Reachability matrices as text: the pods numbered once, then per port and protocol a grid
 * with sources as rows and destinations as columns, `+` allowed and `.` denied, and a count.
 */
export function reachabilityMatrixLines(matrices: readonly ReachabilityMatrix[]): string[] {
  const pods = matrices[0]?.pods ?? [];
  if (pods.length === 0) return ['no pods to simulate (running, non-hostNetwork pods with an IP)'];
  const width = String(pods.length).length;
  const indent = ' '.repeat(width + 2);
  const lines = pods.map((pod, index) => `${String(index + 1).padStart(width)}  ${pod}`);
  for (const matrix of matrices) {
    lines.push('', `${matrix.protocol}/${matrix.port}  (rows: from, columns: to; + allowed, . denied)`);
    lines.push(...columnHeaders(matrix.pods.length, indent));
    let allowed = 0;
    matrix.pods.forEach((from, index) => {
      const row = matrix.pods.map((to) => {
        const cell = matrix.matrix[from]?.[to] === true;
        if (cell) allowed++;
        return cell ? '+' : '.';
      });
      lines.push(`${String(index + 1).padStart(width)}  ${row.join('')}`);
    });
    lines.push(`${allowed} of ${matrix.pods.length ** 2} pairs allowed`);
  }
  return lines;
}

/** A reachability answer as text: a verdict line, then the explanation. */
export function reachResultLines(query: ReachQuery, result: ReachResult): string[] {
  return [`${query.from} → ${query.to} ${query.protocol}/${query.port}: ${result.allowed ? 'allowed' : 'denied'}`, ...result.explain];
}

/** A trace as text: verdict, backends, masquerade, then the explanation indented. */
export function traceResultLines(node: string, packet: TracePacket, result: TraceResult): string[] {
  return [
    `${result.verdict}: ${packet.from} → ${endpointText(packet.to, packet.port)}/${packet.protocol} on node ${node}`,
    `backends: ${result.backends.length === 0 ? 'none' : result.backends.join(', ')}`,
    `masquerade: ${result.masquerade ? 'yes' : 'no'}`,
    ...result.explain.map((line) => `  ${line}`),
  ];
}
