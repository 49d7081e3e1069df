/**
 * The netlink route backend at the envelope: a 5,000-node route plan synced in full into a
 * node namespace, then one node joining and one leaving, then a resync (a kernel read-back),
 * for direct routes and for VXLAN tunnels. Prints wall time, the backend's own sync time and
 * the kernel operations of each step. Needs root; builds its namespaces with the netlink
 * tests' lab (prefix `krnl-`) and removes them at the end.
 *
 * `node --import tsx bench/route-backend.ts`
 */
import { performance } from 'node:perf_hooks';
import { NamespacedRouteBackend } from '../src/backends/netlink/netns/namespaced-route-backend.js';
import type { RoutePlan } from '../src/core/plan/route-plan.js';
import { KernelLab } from '../test/backends/netlink/kernel-lab.js';
import { directRoute, routePlanOf, tunnelRoute, vxlanTunnel, withoutRoute, withRoute } from '../test/backends/netlink/route-plans.js';

const NODES = 5_000;

function podCidr(index: number): string {
  return `10.${64 + (index >> 8)}.${index & 255}.0/24`;
}

function remoteAddress(index: number, base: string): string {
  return `${base}.${Math.floor(index / 250) + 1}.${(index % 250) + 2}`;
}

function directPlan(): RoutePlan {
  const routes = Array.from({ length: NODES }, (_, i) => directRoute(`node-${i}`, podCidr(i), remoteAddress(i, '172.30')));
  return routePlanOf('bench', routes);
}

function vxlanPlan(): RoutePlan {
  const routes = [];
  const tunnels = [];
  for (let i = 0; i < NODES; i++) {
    const remote = remoteAddress(i, '172.31');
    routes.push(tunnelRoute(`node-${i}`, podCidr(i), remote, `tun-b${i}`));
    tunnels.push(vxlanTunnel(`tun-b${i}`, `node-${i}`, '192.168.50.11', remote, 1));
  }
  return routePlanOf('bench', routes, tunnels);
}

interface Row {
  readonly step: string;
  readonly wallMs: number;
  readonly syncMs: number;
  readonly operations: number;
}

async function measure(backend: NamespacedRouteBackend, step: string, plan: RoutePlan, resync = false): Promise<Row> {
  const started = performance.now();
  const report = await backend.sync(plan, { resync });
  return {
    step,
    wallMs: performance.now() - started,
    syncMs: report.durationSeconds * 1000,
    operations: backend.lastSyncOperations.total,
  };
}

async function scenario(backend: NamespacedRouteBackend, name: string, plan: RoutePlan, joiner: Parameters<typeof withRoute>): Promise<Row[]> {
  const rows = [await measure(backend, `${name}: full sync of ${NODES} nodes`, plan)];
  const joined = withRoute(...joiner);
  rows.push(await measure(backend, `${name}: one node joins`, joined));
  rows.push(await measure(backend, `${name}: one node leaves`, withoutRoute(joined, joiner[1].destination, joiner[2]?.name)));
  rows.push(await measure(backend, `${name}: resync (read back, nothing to repair)`, withoutRoute(joined, joiner[1].destination, joiner[2]?.name), true));
  const cleanupStarted = performance.now();
  await backend.cleanup();
  rows.push({ step: `${name}: cleanup`, wallMs: performance.now() - cleanupStarted, syncMs: Number.NaN, operations: backend.lastSyncOperations.total });
  return rows;
}

const lab = await KernelLab.up([{ name: 'bench', subnet: 0, host: 11, podSubnet: 1 }]);
const netns = lab.nodes[0]!.netns;
await lab.batch(netns, ['address add 172.30.0.1/16 dev eth0']);
const backend = await NamespacedRouteBackend.start(netns);
try {
  const direct = directPlan();
  const vxlan = vxlanPlan();
  const rows = [
    ...(await scenario(backend, 'direct', direct, [direct, directRoute('node-new', '10.250.0.0/24', '172.30.200.1')])),
    ...(await scenario(backend, 'vxlan', vxlan, [vxlan, tunnelRoute('node-new', '10.250.0.0/24', '172.31.200.1', 'tun-new'),
      vxlanTunnel('tun-new', 'node-new', '192.168.50.11', '172.31.200.1', 1)])),
  ];
  console.log('| step | wall time | backend sync time | kernel operations |');
  console.log('|---|---|---|---|');
  for (const row of rows) {
    const sync = Number.isNaN(row.syncMs) ? '-' : `${row.syncMs.toFixed(1)} ms`;
    console.log(`| ${row.step} | ${row.wallMs.toFixed(1)} ms | ${sync} | ${row.operations} |`);
  }
} finally {
  await backend.close();
  await lab.down();
}
