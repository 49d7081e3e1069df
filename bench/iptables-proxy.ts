/**
 * The iptables proxy at the scalability envelope: 10,000 services with 10 endpoints each on
 * 1,000 nodes, for one node: plan + render time and payload size of the first (full) sync,
 * the render time and payload of a sync after one endpoint was added, and the kernel load
 * of the full payload in a fresh network namespace (root only) with each iptables flavour
 * present (nf_tables, legacy) at growing service counts, each followed by the one-endpoint
 * payload applied on top.
 * Run once: `node --import tsx bench/iptables-proxy.ts`.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { IptablesProxyBackend } from '../src/backends/iptables/proxy/iptables-proxy-backend.js';
import { planServices } from '../src/core/planner/index.js';
import { fragmentMapOf } from '../src/core/plan/fragment-map.js';
import type { ProxyPlan, ServicePortPlan } from '../src/core/plan/proxy-plan.js';
import { ClusterStore } from '../src/core/store/cluster-store.js';
import { SortedTable } from '../src/core/store/sorted-table.js';
import { ExecCommandRunner } from '../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../src/exec/netns-command-runner.js';
import { RecordingCommandRunner } from '../src/exec/recording-command-runner.js';
import { ENVELOPE, generateCluster } from './cluster-generator.js';
import { mib, ms, printTable } from './measure.js';

/**
 * Service counts whose full payload each flavour loads into a fresh namespace, smallest first.
 * iptables-nft-restore 1.8.9 grows with about the cube of the ruleset (8 s at 1,000 services,
 * 175 s at 3,000 under load 5; the cost is in user space, largely in jumps to user chains):
 * 10,000 would take hours, so nf_tables stops at 3,000 and the growth is printed.
 */
const FLAVOURS = [
  { name: 'nf_tables', restore: 'iptables-nft-restore', sizes: [1_000, 3_000] },
  { name: 'legacy', restore: 'iptables-legacy-restore', sizes: [1_000, 3_000, 10_000] },
] as const;
/** Longest wait for one kernel load: the largest above takes about 3 minutes under load 5. */
const APPLY_TIMEOUT_MS = 900_000;

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

/** A plan with one endpoint added to its first service port, sharing every other fragment (as the incremental planner makes it). */
function withOneEndpointMore(base: ProxyPlan): ProxyPlan {
  const [first] = base.servicePorts.values();
  const endpoint = first?.clusterEndpoints[0];
  if (!first || !endpoint) throw new Error('no service port with an endpoint planned');
  const table = SortedTable.from(base.servicePorts);
  const grown: ServicePortPlan = { ...first, clusterEndpoints: [...first.clusterEndpoints, { ...endpoint, ip: '10.255.255.254' }] };
  table.set(first.key, grown);
  return { ...base, servicePorts: table.view() };
}

/** The first `services` service ports of the plan. */
function firstPorts(services: number): ProxyPlan {
  const ports = [...plan.servicePorts.values()].slice(0, services);
  return { ...plan, servicePorts: fragmentMapOf(ports, (port) => port.key) };
}

const rssBefore = process.memoryUsage().rss;
const recorder = new RecordingCommandRunner();
const backend = new IptablesProxyBackend(recorder);
const renderStarted = performance.now();
await backend.sync(plan);
const renderMs = performance.now() - renderStarted;
const full = backend.lastPayloads[0];
if (!full) throw new Error('no payload rendered');
const rssAfter = process.memoryUsage().rss;
progress('rendered');

const next = withOneEndpointMore(plan);
const deltaStarted = performance.now();
await backend.sync(next);
const deltaMs = performance.now() - deltaStarted;
const delta = backend.lastPayloads[0];
progress('one endpoint rendered');
// The same plan again: a full rewrite from the remembered texts (settings and fragments unchanged).
const resyncStarted = performance.now();
await backend.sync(next, { resync: true });
const resyncMs = performance.now() - resyncStarted;

const endpoints = plan.servicePorts.values().reduce((sum, port) => sum + port.clusterEndpoints.length, 0);
const rows: [string, string][] = [
  ['service ports / endpoints planned', `${plan.servicePorts.size} / ${endpoints}`],
  ['planServices (one node)', ms(planMs)],
  ['full render (first sync, recording runner)', ms(renderMs)],
  ['full payload', `${mib(full.text.length)}, ${full.lines} lines`],
  ['RSS before / after the full render (store and plan included)', `${mib(rssBefore)} / ${mib(rssAfter)}`],
  ['one endpoint added: render (sync, recording runner)', ms(deltaMs)],
  ['one endpoint added: payload', `${delta?.lines ?? 0} lines, ${delta?.text.length ?? 0} bytes`],
  ['resync of an unchanged plan: render (texts reused)', ms(resyncMs)],
];

/** Runs `fn` with a runner inside a fresh namespace, removed afterwards (also on Ctrl-C). */
async function inScratchNetns<T>(exec: ExecCommandRunner, fn: (runner: NetnsCommandRunner) => Promise<T>): Promise<T> {
  const netns = `kripb-${randomBytes(3).toString('hex')}`;
  await exec.run('ip', ['netns', 'add', netns]);
  const remove = (): void => {
    void exec.run('ip', ['netns', 'del', netns], { allowedExitCodes: [1] }).finally(() => process.exit(130));
  };
  process.once('SIGINT', remove);
  process.once('SIGTERM', remove);
  try {
    return await fn(new NetnsCommandRunner(exec, netns));
  } finally {
    process.off('SIGINT', remove);
    process.off('SIGTERM', remove);
    await exec.run('ip', ['netns', 'del', netns]);
  }
}

if (process.getuid?.() === 0) {
  const exec = new ExecCommandRunner(APPLY_TIMEOUT_MS);
  for (const flavour of FLAVOURS) {
    if (!existsSync(`/usr/sbin/${flavour.restore}`) && !existsSync(`/sbin/${flavour.restore}`)) {
      rows.push([`kernel load, ${flavour.name}`, `skipped: ${flavour.restore} not installed`]);
      continue;
    }
    const loads: { services: number; ms: number }[] = [];
    for (const services of flavour.sizes) {
      const sized = services >= plan.servicePorts.size ? plan : firstPorts(services);
      const sizedRecorder = new RecordingCommandRunner();
      const sizedBackend = new IptablesProxyBackend(sizedRecorder);
      await sizedBackend.sync(sized);
      const payload = sizedBackend.lastPayloads[0];
      await sizedBackend.sync(withOneEndpointMore(sized));
      const deltaPayload = sizedBackend.lastPayloads[0];
      if (!payload || !deltaPayload) throw new Error('no payload rendered');
      const label = `kernel load, ${flavour.name}, ${services.toLocaleString('en-US')} services (${payload.lines.toLocaleString('en-US')} lines)`;
      const finished = await inScratchNetns(exec, async (runner) => {
        const started = performance.now();
        try {
          await runner.run(flavour.restore, ['--noflush', '-w'], { input: payload.text, timeoutMs: APPLY_TIMEOUT_MS });
        } catch (error) {
          rows.push([label, `did not finish: ${(error as Error).message.split('\n')[0]}`]);
          return false;
        }
        const loadMs = performance.now() - started;
        rows.push([label, ms(loadMs)]);
        loads.push({ services, ms: loadMs });
        progress(`${flavour.name} ${services} loaded`);
        const deltaStarted = performance.now();
        await runner.run(flavour.restore, ['--noflush', '-w'], { input: deltaPayload.text });
        rows.push([`  then one endpoint added (${deltaPayload.lines} lines)`, ms(performance.now() - deltaStarted)]);
        return true;
      });
      if (!finished) break;
    }
    const [smallest, largest] = [loads[0], loads.at(-1)];
    if (smallest && largest && largest !== smallest) {
      const exponent = Math.log(largest.ms / smallest.ms) / Math.log(largest.services / smallest.services);
      rows.push([`  growth ${smallest.services.toLocaleString('en-US')} to ${largest.services.toLocaleString('en-US')} services`, `x${(largest.ms / smallest.ms).toFixed(1)} (time ~ services^${exponent.toFixed(2)})`]);
    }
  }
} else {
  rows.push(['kernel load', 'skipped: needs root']);
}
printTable('iptables proxy, 10,000 services x 10 endpoints on 1,000 nodes, one node', rows);
