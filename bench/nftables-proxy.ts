/**
 * The nftables proxy at the scalability envelope, for one node of a 1,000-node cluster:
 * 10,000 services with one 10-endpoint slice each, planned by `planServices`. Prints plan and
 * render times (wall clock and the process's CPU time, which load inflates less), payload size,
 * memory after a forced collection (the store's, the plan's and the backend's share); the kernel
 * load of the full payload in a fresh network namespace, next to a layout without any semantics
 * (one concatenated map keyed by VIP, protocol, port and slot) as the floor; one endpoint added
 * (time and elements); and the data path: connection setup to a VIP with 10 versus 10,000
 * services programmed (root only).
 * Run: `node --expose-gc --import tsx bench/nftables-proxy.ts` (`npm run bench -- nftables-proxy`).
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { NftablesProxyBackend } from '../src/backends/nftables/proxy/nftables-proxy-backend.js';
import { replaceProxyTable } from '../src/backends/nftables/proxy/proxy-table-render.js';
import type { ProxyPlan, ServicePortPlan } from '../src/core/plan/proxy-plan.js';
import { planServices } from '../src/core/planner/index.js';
import { ClusterStore } from '../src/core/store/cluster-store.js';
import { SortedTable } from '../src/core/store/sorted-table.js';
import { ExecCommandRunner } from '../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../src/exec/netns-command-runner.js';
import { RecordingCommandRunner } from '../src/exec/recording-command-runner.js';
import { ENVELOPE, generateCluster } from './cluster-generator.js';
import { connectionSetupMs, dataPathPlan } from './data-path.js';
import { coldAndWarm, collectGarbage, median, mib, ms, printTable, WARM_ROUNDS } from './measure.js';

const rows: [string, string][] = [];

const heapUsed = (): number => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};
const collected = collectGarbage();
const baseHeap = heapUsed();
const store = new ClusterStore();
store.batch(() => {
  for (const object of generateCluster({ ...ENVELOPE, nodes: 1_000 })) store.upsert(object);
});
store.synced();
// What a node's agent does: one plan of one snapshot (its lazy lists are built by the first plan).
const snapshot = store.snapshot();
const storeHeap = heapUsed() - baseHeap;

const options = { clusterCIDRs: ['10.0.0.0/8'] };
const planning = await coldAndWarm(() => planServices(snapshot, 'node-0', options));
const plan = planning.result;
const planHeap = heapUsed() - baseHeap - storeHeap;
const rendering = await coldAndWarm(() => replaceProxyTable(plan));
const payload = rendering.result;
const fullSyncs = await coldAndWarm(() => new NftablesProxyBackend(new RecordingCommandRunner()).sync(plan));
const beforeBackend = heapUsed();
const kept = new NftablesProxyBackend(new RecordingCommandRunner());
await kept.sync(plan);
const backendHeap = heapUsed() - beforeBackend;
const endpoints = plan.servicePorts.values().reduce((sum, port) => sum + port.clusterEndpoints.length, 0);
rows.push(['service ports / endpoints planned', `${plan.servicePorts.size} / ${endpoints}`]);
rows.push(['planServices, first in the process (cold)', planning.cold]);
rows.push([`planServices, again (median of ${WARM_ROUNDS})`, planning.warm]);
rows.push(['render full table, first (cold)', rendering.cold]);
rows.push([`render full table (median of ${WARM_ROUNDS})`, rendering.warm]);
rows.push([`full sync, recording runner: render + object store (median of ${WARM_ROUNDS})`, fullSyncs.warm]);
rows.push(['full plan + render (medians)', ms(planning.wallMs + rendering.wallMs)]);
rows.push(['payload', `${(payload.length / 1e6).toFixed(1)} MB, ${payload.split('\n').length} lines`]);
if (collected) {
  rows.push(['heap: store with the snapshot (150,000 pods)', mib(storeHeap)]);
  rows.push(['heap: the plan (with the snapshot lists its first run builds)', mib(planHeap)]);
  rows.push(['heap: one backend after a full sync (objects, last payload)', mib(backendHeap)]);
  rows.push(['RSS after plan, render and a full sync, collected', mib(process.memoryUsage().rss)]);
} else {
  rows.push(['RSS after plan, render and a full sync (not collected: run with --expose-gc)', mib(process.memoryUsage().rss)]);
}

/**
 * `base` rebuilt in a copy-on-write table (as the planner keeps its fragments), and the next plan
 * with one endpoint added to one service port, sharing every other fragment.
 */
function withOneEndpointMore(base: ProxyPlan): { before: ProxyPlan; after: ProxyPlan } {
  const table = new SortedTable<ServicePortPlan>();
  for (const each of base.servicePorts.values()) table.set(each.key, each);
  const before = { ...base, servicePorts: table.view() };
  const port = base.servicePorts.values()[0]!;
  const extra = { ...port.clusterEndpoints[0]!, ip: '10.255.255.254', local: false };
  table.set(port.key, { ...port, clusterEndpoints: [...port.clusterEndpoints, extra] });
  return { before, after: { ...base, servicePorts: table.view() } };
}

{
  const recording = new RecordingCommandRunner();
  const backend = new NftablesProxyBackend(recording);
  const { before, after: next } = withOneEndpointMore(plan);
  await backend.sync(before);
  const times: number[] = [];
  let text = '';
  for (let round = 0; round < 5; round++) {
    // Added, then taken away again: every odd round is the same change as the first.
    const started = performance.now();
    await backend.sync(round % 2 === 0 ? next : before);
    times.push(performance.now() - started);
    if (round === 0) text = recording.calls[1]?.input ?? '';
  }
  const incrementalMs = median(times);
  const elementLines = text.split('\n').filter((line) => line.includes(' element '));
  const elements = elementLines.reduce((sum, line) => sum + line.slice(line.indexOf('{')).split(',').length, 0);
  rows.push(['one endpoint added or removed: sync, recording runner (median of 5)', ms(incrementalMs)]);
  rows.push(['one endpoint added: payload', `${text.split('\n').length - 1} commands, ${elements} elements, ${text.length} bytes`]);
}

/** A layout with none of the semantics, as the floor: one map keyed by (VIP, protocol, port, slot). */
function flatLayout(source: ProxyPlan): string {
  const elements: string[] = [];
  for (const port of source.servicePorts.values()) {
    const vip = port.frontends.find((frontend) => frontend.kind === 'ClusterIP' && frontend.family === 'IPv4');
    if (vip === undefined) continue;
    port.clusterEndpoints.slice(0, 10).forEach((endpoint, slot) => elements.push(`${vip.ip} . ${port.protocol.toLowerCase()} . ${vip.port} . ${slot} : ${endpoint.ip} . ${endpoint.port}`));
  }
  return [
    'table ip flat-floor {',
    '  map eps {',
    '    typeof ip daddr . meta l4proto . th dport . numgen random mod 1 : ip daddr . tcp dport',
    `    elements = { ${elements.join(',\n')} }`,
    '  }',
    '  chain pre {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    dnat to ip daddr . meta l4proto . th dport . numgen random mod 10 map @eps',
    '  }',
    '}',
    '',
  ].join('\n');
}

async function inFreshNamespace<T>(exec: ExecCommandRunner, work: (netns: string) => Promise<T>): Promise<T> {
  const netns = `nftb-${randomBytes(3).toString('hex')}`;
  await exec.run('ip', ['netns', 'add', netns]);
  try {
    return await work(netns);
  } finally {
    await exec.run('ip', ['netns', 'del', netns], { allowedExitCodes: [1] });
  }
}

async function loadSeconds(exec: ExecCommandRunner, text: string): Promise<number> {
  return inFreshNamespace(exec, async (netns) => {
    const loadStarted = performance.now();
    await new NetnsCommandRunner(exec, netns).run('nft', ['-f', '-'], { input: text });
    return (performance.now() - loadStarted) / 1000;
  });
}

if (process.getuid?.() === 0) {
  const exec = new ExecCommandRunner(300_000);
  rows.push(['kernel load, full table (fresh namespace)', `${(await loadSeconds(exec, payload)).toFixed(2)} s`]);
  rows.push(['kernel load, floor layout without semantics', `${(await loadSeconds(exec, flatLayout(plan))).toFixed(2)} s`]);
  const few = dataPathPlan(plan, 10);
  const many = dataPathPlan(plan, plan.servicePorts.size);
  const setup = (plan: ProxyPlan, vip: string): Promise<number> =>
    connectionSetupMs(exec, 'nftd', vip, (node) => new NftablesProxyBackend(node).sync(plan));
  rows.push(['connection setup to the last service\'s VIP, 10 services', `${(await setup(few.plan, few.vip)).toFixed(2)} ms`]);
  rows.push(['connection setup to the last service\'s VIP, 10,000 services', `${(await setup(many.plan, many.vip)).toFixed(2)} ms`]);
} else {
  rows.push(['kernel measurements', 'skipped: needs root']);
}
printTable('nftables proxy: 10,000 services x 10 endpoints, one node of 1,000', rows);
