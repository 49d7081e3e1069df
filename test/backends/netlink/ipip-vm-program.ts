/**
 * Runs inside the kernel VM in node-a's namespace (one node process for the whole check):
 * plans node-a's routes with the route planner (IPIP, node-a's own underlay 192.168.60.11/24,
 * so node-b on 192.168.61.0/24 is off-subnet and tunnelled), programs them with the real
 * rtnetlink port, reads the tunnel and route back, sends TCP both ways between the pods, then
 * cleans up and reads the links again. Writes $KUBE_ROUTER_VM_OUT/ipip.json.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetlinkRouteBackend } from '../../../src/backends/netlink/netlink-route-backend.js';
import { RtnetlinkPort } from '../../../src/backends/netlink/rtnetlink/rtnetlink-port.js';
import { planRoutes } from '../../../src/core/planner/index.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { loadCluster } from '../../../src/sources/load-cluster.js';

const out = process.env['KUBE_ROUTER_VM_OUT'] ?? '/tmp';
const runner = new ExecCommandRunner(20_000);
const result: Record<string, unknown> = {};

async function ip(args: string[]): Promise<unknown> {
  return JSON.parse((await runner.run('ip', ['-j', ...args])).stdout || '[]');
}

/** One HTTP GET with curl (exit 7 refused, 28 timed out) from pod namespace `from` to `url`: the body, or the failure. */
async function fetchFrom(from: string, url: string): Promise<string> {
  const answer = await runner.run('ip', ['netns', 'exec', from, 'curl', '-sS', '--max-time', '5', url], { allowedExitCodes: [0, 7, 28, 52, 56] });
  return answer.exitCode === 0 ? answer.stdout.trim() : `failed: ${answer.stderr.trim()}`;
}

try {
  const { snapshot } = await loadCluster([fileURLToPath(new URL('./ipip-cluster.yaml', import.meta.url))]);
  const plan = planRoutes(snapshot, 'node-a', { tunnelType: 'ipip', overlayType: 'subnet', underlayCIDRs: ['192.168.60.11/24'] });
  result['routes'] = plan.routes;
  result['tunnels'] = plan.tunnels;
  const backend = new NetlinkRouteBackend(new RtnetlinkPort(), runner);
  const report = await backend.sync(plan, { resync: false });
  result['report'] = { full: report.full, changed: report.changed };
  result['links'] = await ip(['-d', 'link', 'show', 'type', 'ipip']);
  result['kernelRoutes'] = await ip(['-4', 'route', 'show', 'proto', String(backend.routeProtocol)]);
  result['aToB'] = await fetchFrom('kripip-pa', 'http://10.1.2.5:8080/cgi-bin/who');
  result['bToA'] = await fetchFrom('kripip-pb', 'http://10.1.1.5:8080/cgi-bin/who');
  await backend.cleanup();
  result['linksAfter'] = await ip(['-d', 'link', 'show', 'type', 'ipip']);
  result['routesAfter'] = await ip(['-4', 'route', 'show', 'proto', String(backend.routeProtocol)]);
  result['aToBAfter'] = await fetchFrom('kripip-pa', 'http://10.1.2.5:8080/cgi-bin/who');
} catch (error) {
  result['error'] = (error as Error).stack ?? String(error);
}
await writeFile(join(out, 'ipip.json'), JSON.stringify(result, null, 1));
