/**
 * Runs inside the kernel VM in one node's namespace, once per node (bundled on the host: the
 * test passes it as a `programs` entry of runInKernelVm and runs it with plain node):
 *
 *   node ipip.mjs NODE UNDERLAY_CIDR
 *
 * Plans NODE's routes with the route planner (IPIP; the other node's underlay is on another
 * subnet, so it is tunnelled), programs them with the real rtnetlink port, reads the tunnel
 * and routes back with `ip`, then says it is ready (`/tmp/kripip-NODE.ready`) and waits for
 * the guest script to have sent its traffic (`/tmp/kripip-cleanup`), cleans up and reads
 * the links and routes again. Writes $KUBE_ROUTER_VM_OUT/ipip-NODE.json after each step.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { NetlinkRouteBackend } from '../../../src/backends/netlink/netlink-route-backend.js';
import { RtnetlinkPort } from '../../../src/backends/netlink/rtnetlink/rtnetlink-port.js';
import { planRoutes } from '../../../src/core/planner/index.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { loadCluster } from '../../../src/sources/load-cluster.js';

/** How long the program waits for the guest script's go-ahead to clean up. */
const CLEANUP_WAIT_MS = 180_000;

const [node, underlay] = process.argv.slice(2);
const out = process.env['KUBE_ROUTER_VM_OUT'] ?? '/tmp';
const runner = new ExecCommandRunner(20_000);
// Seconds since the process started (node's time origin): what its start and its sync cost in the guest, for the log.
const result: Record<string, unknown> = { node, startedSeconds: performance.now() / 1000 };
const save = (): Promise<void> => writeFile(join(out, `ipip-${node}.json`), JSON.stringify(result, null, 1));

async function ip(args: string[]): Promise<unknown> {
  return JSON.parse((await runner.run('ip', ['-j', ...args])).stdout || '[]');
}

async function waitForCleanup(): Promise<void> {
  const until = Date.now() + CLEANUP_WAIT_MS;
  while (!existsSync('/tmp/kripip-cleanup')) {
    if (Date.now() > until) throw new Error(`no go-ahead to clean up within ${CLEANUP_WAIT_MS / 1000} s`);
    await sleep(100);
  }
}

let backend: NetlinkRouteBackend | undefined;
try {
  if (node === undefined || underlay === undefined) throw new Error('usage: ipip-vm-program NODE UNDERLAY_CIDR');
  const { snapshot } = await loadCluster([fileURLToPath(new URL('./ipip-cluster.yaml', import.meta.url))]);
  const plan = planRoutes(snapshot, node, { tunnelType: 'ipip', overlayType: 'subnet', underlayCIDRs: [underlay] });
  result['routes'] = plan.routes;
  result['tunnels'] = plan.tunnels;
  backend = new NetlinkRouteBackend(new RtnetlinkPort(), runner);
  const report = await backend.sync(plan, { resync: false });
  result['report'] = { full: report.full, changed: report.changed };
  result['syncedSeconds'] = performance.now() / 1000;
  result['links'] = await ip(['-d', 'link', 'show', 'type', 'ipip']);
  result['kernelRoutes'] = await ip(['-4', 'route', 'show', 'proto', String(backend.routeProtocol)]);
} catch (error) {
  result['error'] = (error as Error).stack ?? String(error);
}
await save();
// Ready even after a failure, so the guest script goes on (and the test reports the error).
await writeFile(`/tmp/kripip-${node}.ready`, '');
try {
  await waitForCleanup();
  if (backend !== undefined) {
    await backend.cleanup();
    result['linksAfter'] = await ip(['-d', 'link', 'show', 'type', 'ipip']);
    result['routesAfter'] = await ip(['-4', 'route', 'show', 'proto', String(backend.routeProtocol)]);
  }
} catch (error) {
  result['error'] ??= (error as Error).stack ?? String(error);
}
await save();
