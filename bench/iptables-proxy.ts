/**
 * The iptables proxy at the scalability envelope: 10,000 services with 10 endpoints each on
 * 1,000 nodes, for one node: plan + render time and payload size of the first (full) sync,
 * the kernel apply time of that payload in a fresh network namespace (root only), and the
 * render time and payload lines of a sync after one endpoint was added.
 * Run once: `node --import tsx bench/iptables-proxy.ts`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { IptablesProxyBackend } from '../src/backends/iptables/proxy/iptables-proxy-backend.js';
import { planServices } from '../src/core/planner/index.js';
import type { ProxyPlan, ServicePortPlan } from '../src/core/plan/proxy-plan.js';
import { ClusterStore } from '../src/core/store/cluster-store.js';
import { SortedTable } from '../src/core/store/sorted-table.js';
import { ExecCommandRunner } from '../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../src/exec/netns-command-runner.js';
import { RecordingCommandRunner } from '../src/exec/recording-command-runner.js';
import { ENVELOPE, generateCluster } from './cluster-generator.js';
import { mib, ms, printTable } from './measure.js';

const store = new ClusterStore();
store.batch(() => {
  for (const object of generateCluster({ ...ENVELOPE, nodes: 1_000 })) store.upsert(object);
});
store.synced();
const snapshot = store.snapshot();
snapshot.pods();
snapshot.services();

const progress = (step: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${step}\n`);
};
progress('cluster loaded');
const planStarted = performance.now();
const plan = planServices(snapshot, 'node-0', { clusterCIDRs: ['10.0.0.0/8'] });
const planMs = performance.now() - planStarted;

progress('planned');
const recorder = new RecordingCommandRunner();
const backend = new IptablesProxyBackend(recorder);
const renderStarted = performance.now();
await backend.sync(plan);
const renderMs = performance.now() - renderStarted;
const full = backend.lastPayloads[0];
if (!full) throw new Error('no payload rendered');

progress('rendered');
// One endpoint added to one service port: a plan sharing every other fragment, as the
// incremental planner makes it.
const [first] = plan.servicePorts.values();
if (!first) throw new Error('no service port planned');
const endpoint = first.clusterEndpoints[0];
if (!endpoint) throw new Error('no endpoint planned');
const table = SortedTable.from(plan.servicePorts);
const grown: ServicePortPlan = { ...first, clusterEndpoints: [...first.clusterEndpoints, { ...endpoint, ip: '10.255.255.254' }] };
table.set(first.key, grown);
const next: ProxyPlan = { ...plan, servicePorts: table.view() };
const deltaStarted = performance.now();
await backend.sync(next);
const deltaMs = performance.now() - deltaStarted;
const delta = backend.lastPayloads[0];

progress('one endpoint rendered');
const endpoints = plan.servicePorts.values().reduce((sum, port) => sum + port.clusterEndpoints.length, 0);
const rows: [string, string][] = [
  ['service ports / endpoints planned', `${plan.servicePorts.size} / ${endpoints}`],
  ['planServices (one node)', ms(planMs)],
  ['full render (sync with a recording runner)', ms(renderMs)],
  ['full payload', `${mib(full.text.length)}, ${full.lines} lines`],
  ['one endpoint added: render (sync with a recording runner)', ms(deltaMs)],
  ['one endpoint added: payload lines (dispatch chains included)', String(delta?.lines ?? 0)],
];

if (process.getuid?.() === 0) {
  const exec = new ExecCommandRunner(600_000);
  const netns = `kripb-${randomBytes(3).toString('hex')}`;
  await exec.run('ip', ['netns', 'add', netns]);
  // Interrupted (Ctrl-C, a timeout's SIGTERM): remove the namespace, the restore dies with it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void exec.run('ip', ['netns', 'del', netns], { allowedExitCodes: [1] }).finally(() => process.exit(130));
    });
  }
  try {
    const runner = new NetnsCommandRunner(exec, netns);
    const applyStarted = performance.now();
    await runner.run('iptables-restore', ['--noflush', '-w'], { input: full.text });
    rows.push(['kernel apply of the full payload (iptables-restore, nf_tables, fresh namespace)', ms(performance.now() - applyStarted)]);
    progress('full payload applied');
    const deltaApplyStarted = performance.now();
    await runner.run('iptables-restore', ['--noflush', '-w'], { input: delta?.text ?? '' });
    rows.push(['kernel apply of the one-endpoint payload', ms(performance.now() - deltaApplyStarted)]);
  } finally {
    await exec.run('ip', ['netns', 'del', netns]);
  }
} else {
  rows.push(['kernel apply', 'skipped: needs root']);
}
printTable('iptables proxy, 10,000 services x 10 endpoints on 1,000 nodes, one node', rows);
