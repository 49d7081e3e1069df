/**
 * The iptables proxy at the scalability envelope: 10,000 services with 10 endpoints each on
 * 1,000 nodes, for one node, measured as `bench/nftables-proxy.ts` measures the nftables proxy
 * (same store, same plan, a forced collection before each memory figure): plan and full render
 * times (wall clock and the process's CPU time, which load inflates less), payload size, the
 * heap of the store, the plan and one backend after a full sync, the process's RSS; the render
 * time and payload of a sync after one endpoint was added, and of a resync; the kernel load of
 * the full payload in a fresh network namespace (root only) with each iptables flavour present
 * (nf_tables, legacy) at growing service counts, each followed by the one-endpoint payload
 * applied on top. `IPTABLES_PROXY_BENCH_KERNEL=0` leaves the kernel rows out (they take minutes).
 * Run: `node --expose-gc --import tsx bench/iptables-proxy.ts` (`npm run bench -- iptables-proxy`).
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
import type { CommandRunner, RunResult } from '../src/core/ports/command-runner.js';
import { ExecCommandRunner } from '../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../src/exec/netns-command-runner.js';
import { RecordingCommandRunner } from '../src/exec/recording-command-runner.js';
import { ENVELOPE, generateCluster } from './cluster-generator.js';
import { connectionSetupMs, dataPathPlan } from './data-path.js';
import { coldAndWarm, collectGarbage, measured, mib, ms, printTable, WARM_ROUNDS } from './measure.js';

/**
 * Service counts whose full payload each flavour loads into a fresh namespace, smallest first.
 * With `--noflush`, iptables-nft-restore 1.8.9 looks up each rule's chain in a list of every
 * chain the payload names, so its time grows with the square of the ruleset (2.2 s at 1,000
 * services, 21 s at 3,000 at load average 4, chains declared in the order it places fastest).
 */
const FLAVOURS = [
  { name: 'nf_tables', restore: 'iptables-nft-restore', sizes: [1_000, 3_000, 10_000] },
  { name: 'legacy', restore: 'iptables-legacy-restore', sizes: [1_000, 3_000, 10_000] },
] as const;
/** Longest wait for one kernel load: the largest above takes about 3 minutes under load 5. */
const APPLY_TIMEOUT_MS = 900_000;

/** A runner that answers every command with success and keeps nothing. */
class DiscardingRunner implements CommandRunner {
  async run(): Promise<RunResult> {
    return { stdout: '', stderr: '', exitCode: 0 };
  }
}

/** The payloads `recorder` was given to restore from its call `since` on. */
function restoredSince(recorder: RecordingCommandRunner, since: number): string[] {
  return recorder.calls.slice(since).filter((call) => call.command.endsWith('-restore')).map((call) => call.input ?? '');
}

/** Lines of a payload (each ends in a newline). */
function lineCount(text: string): number {
  return text.split('\n').length - 1;
}

const heapUsed = (): number => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};
const progress = (step: string): void => {
  process.stderr.write(`${new Date().toISOString()} ${step}\n`);
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
progress('cluster loaded');

const options = { clusterCIDRs: ['10.0.0.0/8'] };
const planning = await coldAndWarm(() => planServices(snapshot, 'node-0', options));
const plan = planning.result;
const planHeap = heapUsed() - baseHeap - storeHeap;
const rssAfterPlan = process.memoryUsage().rss;
progress('planned');
// The render is the first sync of a backend on a recording runner: every chain, nothing read back.
const rendering = await coldAndWarm(() => new IptablesProxyBackend(new RecordingCommandRunner()).sync(plan));
// The backend's own memory, with a runner that keeps nothing (a recording runner keeps every payload).
const beforeBackend = heapUsed();
const backend = new IptablesProxyBackend(new DiscardingRunner());
await backend.sync(plan);
const backendHeap = heapUsed() - beforeBackend;
const rssAfterSync = process.memoryUsage().rss;
const recorder = new RecordingCommandRunner();
const recorded = new IptablesProxyBackend(recorder);
await recorded.sync(plan);
const [full] = restoredSince(recorder, 0);
if (full === undefined) throw new Error('no payload rendered');
progress('rendered');

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

const next = withOneEndpointMore(plan);
const deltaStart = recorder.calls.length;
const delta = await measured(() => recorded.sync(next));
const [deltaPayload = ''] = restoredSince(recorder, deltaStart);
progress('one endpoint rendered');
// The same plan again, read back and rewritten whole: every port rendered again.
const resync = await measured(() => recorded.sync(next, { resync: true }));

const endpoints = plan.servicePorts.values().reduce((sum, port) => sum + port.clusterEndpoints.length, 0);
const rows: [string, string][] = [
  ['service ports / endpoints planned', `${plan.servicePorts.size} / ${endpoints}`],
  ['planServices, first in the process (cold)', planning.cold],
  [`planServices, again (median of ${WARM_ROUNDS})`, planning.warm],
  ['full render: first sync, recording runner, first (cold)', rendering.cold],
  [`full render: first sync, recording runner (median of ${WARM_ROUNDS})`, rendering.warm],
  ['full plan + render (medians, wall / CPU)', `${ms(planning.wallMs + rendering.wallMs)} / ${ms(planning.cpuMs + rendering.cpuMs)} CPU`],
  ['full payload', `${mib(full.length)}, ${lineCount(full)} lines`],
];
if (collected) {
  rows.push(['heap: store with the snapshot (150,000 pods)', mib(storeHeap)]);
  rows.push(['heap: the plan (with the snapshot lists its first run builds)', mib(planHeap)]);
  rows.push(['heap: one backend after a full sync (what it keeps)', mib(backendHeap)]);
  rows.push(['RSS after plan / after plan, renders and a full sync, collected', `${mib(rssAfterPlan)} / ${mib(rssAfterSync)}`]);
} else {
  rows.push(['RSS after plan / after plan, renders and a full sync (not collected: run with --expose-gc)', `${mib(rssAfterPlan)} / ${mib(rssAfterSync)}`]);
}
rows.push(
  ['one endpoint added: render (sync, recording runner)', `${ms(delta.wall)} / ${ms(delta.cpu)} CPU`],
  ['one endpoint added: payload', `${lineCount(deltaPayload)} lines, ${deltaPayload.length} bytes`],
  ['resync of the same plan: render (sync, recording runner)', `${ms(resync.wall)} / ${ms(resync.cpu)} CPU`],
);

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

if (process.env['IPTABLES_PROXY_BENCH_KERNEL'] === '0') {
  rows.push(['kernel load', 'skipped: IPTABLES_PROXY_BENCH_KERNEL=0']);
} else if (process.getuid?.() === 0) {
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
      await sizedBackend.sync(withOneEndpointMore(sized));
      const [payloadText, deltaText] = restoredSince(sizedRecorder, 0);
      if (payloadText === undefined || deltaText === undefined) throw new Error('no payload rendered');
      const payload = { text: payloadText, lines: lineCount(payloadText) };
      const deltaPayload = { text: deltaText, lines: lineCount(deltaText) };
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
  // The data path, programmed by the backend itself (the machine's iptables-restore): the VIP is
  // the last service's, whose KR-SERVICES rule a new connection reaches after all the others.
  for (const services of [10, plan.servicePorts.size]) {
    const { plan: dataPlan, vip } = dataPathPlan(plan, services);
    const perConnection = await connectionSetupMs(exec, 'iptd', vip, (node) => new IptablesProxyBackend(node, { timeoutMs: APPLY_TIMEOUT_MS }).sync(dataPlan));
    rows.push([`connection setup to the last service's VIP, ${services.toLocaleString('en-US')} services`, `${perConnection.toFixed(2)} ms`]);
    progress(`data path with ${services} services measured`);
  }
} else {
  rows.push(['kernel load', 'skipped: needs root']);
}
printTable('iptables proxy, 10,000 services x 10 endpoints on 1,000 nodes, one node', rows);
