import type { ProbeResult } from './probe.js';
import type { Lab } from './lab.js';

/** One line per probe: `default/a -> default/b 10.1.1.3:80/tcp: answered by default/b, saw 10.1.1.2:40312 (3 ms)`. */
export function formatProbe(result: ProbeResult): string {
  const target = result.address.includes(':') ? `[${result.address}]` : result.address;
  const head = `${result.from} -> ${result.to === result.address ? target : `${result.to} ${target}`}:${result.port}/${result.protocol}`;
  let outcome: string;
  if (result.connected) {
    outcome = result.answeredBy
      ? `answered by ${result.answeredBy}, saw ${result.sourceSeen ?? '?'}`
      : 'connected, no answer';
  } else {
    outcome = `${result.error ?? 'failed'}${result.detail ? ` (${result.detail})` : ''}`;
  }
  return `${head}: ${outcome} (${result.elapsedMs} ms)`;
}

/** A few lines describing a lab that is up: run, segments, router, client, pods. */
export function formatLabSummary(lab: Lab): string[] {
  const { topology } = lab;
  const hostNetwork = topology.pods.filter((pod) => pod.hostNetwork).length;
  const lines = [
    `lab ${topology.runId}: ${topology.nodes.length} nodes, ${topology.pods.length} pods (${hostNetwork} hostNetwork), state in ${lab.runDir}`,
  ];
  for (const underlay of topology.underlays) {
    lines.push(`  underlay ${underlay.subnets.join(' ')}: ${underlay.nodes.join(', ')}`);
  }
  if (topology.router) {
    lines.push(`  router: ${topology.router.legs.map((leg) => leg.addresses.join(' ')).join(', ')}`);
  }
  lines.push(`  outside client: ${topology.client.ip}`);
  for (const skipped of topology.skipped) lines.push(`  skipped pod ${skipped.key}: ${skipped.reason}`);
  if (lab.podServers) {
    lines.push(`  pod servers: ${lab.podServers.listening} sockets in one process (pid ${lab.podServers.pid})`);
    for (const failure of lab.podServers.failures) lines.push(`  pod server problem: ${failure}`);
  }
  return lines;
}
