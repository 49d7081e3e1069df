/**
 * The IPVS proxy at scale, inside the kernel VM (Debian's kernel under qemu, emulated: compare
 * ratios, not absolute times, with host figures): 10,000 services x 10 endpoints, the full
 * sync's time and IPVS netlink requests, then one endpoint change. IPVS only (the ipsets and
 * rules are timed separately as "netfilter").
 *
 * `npx tsx bench/ipvs-vm.ts` boots the VM and runs itself there with `--guest`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVICES = Number(process.env['IPVS_BENCH_SERVICES'] ?? 10_000);
const ENDPOINTS = 10;

async function guest(): Promise<void> {
  const { DummyInterfaceAddresses, GenericNetlinkIpvsPort, IpvsNetfilter, IpvsProxyBackend } = await import('../src/backends/ipvs/index.js');
  const { fragmentMapOf } = await import('../src/core/plan/fragment-map.js');
  const { SortedTable } = await import('../src/core/store/sorted-table.js');
  const { ExecCommandRunner } = await import('../src/exec/exec-command-runner.js');
  type Plan = import('../src/core/plan/proxy-plan.js').ProxyPlan;
  type Port = import('../src/core/plan/proxy-plan.js').ServicePortPlan;
  // Emulated, 10,000 services' ipset restore takes longer than the runner's default 60 s bound.
  const runner = new ExecCommandRunner(900_000);
  const port = await GenericNetlinkIpvsPort.open({ timeoutMs: 60_000 });
  let requests = 0;
  const counted = new Proxy(port, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function' || name === 'close') return value;
      return (...args: unknown[]) => {
        requests += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const servicePort = (index: number, shift: number): Port => ({
    key: `bench/svc-${index}:http/TCP`,
    service: `bench/svc-${index}`,
    portName: 'http',
    protocol: 'TCP',
    frontends: [{ kind: 'ClusterIP', ip: `10.96.${index >> 8}.${index & 255}`, family: 'IPv4', port: 80, trafficPolicy: 'Cluster', endpoints: 'cluster', sourceRanges: [], masquerade: 'outside-cluster-cidrs' }],
    clusterEndpoints: Array.from({ length: ENDPOINTS }, (_, e) => ({ ip: `10.${100 + ((index * ENDPOINTS + e + shift) >> 16)}.${((index * ENDPOINTS + e + shift) >> 8) & 255}.${(index * ENDPOINTS + e + shift) & 255}`, family: 'IPv4' as const, port: 8080, local: false, ready: true, serving: true, terminating: false })),
    localEndpoints: [],
    hairpinMasquerade: true,
  });
  const plan = (): Plan => ({
    node: 'bench',
    settings: { clusterCIDRs: ['10.100.0.0/14'], serviceCIDRs: [], masqueradeAll: false, nodeAddresses: [], nodePortAddressFilter: [], nodePortAddresses: [], localhostNodePorts: false },
    servicePorts: fragmentMapOf(Array.from({ length: SERVICES }, (_, i) => servicePort(i, 0)), (one) => one.key),
  });
  // The next plan shares every untouched service port with the previous one, as the planner's
  // plans do (a plan built anew would make the backend compare all 10,000 fragments).
  const withShifted = (previous: Plan, shifts: readonly (readonly [number, number])[]): Plan => {
    const table = SortedTable.from(previous.servicePorts);
    for (const [index, shift] of shifts) table.set(`bench/svc-${index}:http/TCP`, servicePort(index, shift));
    return { ...previous, servicePorts: table.view() };
  };
  const base = plan();
  const changed = withShifted(base, [[7, 1]]);
  const changedAgain = withShifted(changed, [[7, 0], [8, 1]]);
  const rows: string[][] = [];
  const out = process.env['KUBE_ROUTER_VM_OUT'] ?? '/tmp';
  // Each row goes out as soon as it is measured, on stdout and in the file, so that a run the
  // host's timeout cuts short still shows the steps that finished.
  const record = async (row: string[]): Promise<void> => {
    rows.push(row);
    console.log(`row ${JSON.stringify(row)}`);
    await writeFile(join(out, 'bench.json'), JSON.stringify(rows));
  };
  // IPVS_BENCH_NETFILTER_ONLY=1 measures the netfilter part alone (a second, shorter run).
  const ipvs = process.env['IPVS_BENCH_NETFILTER_ONLY'] !== '1';
  let started = performance.now();
  const backend = ipvs ? new IpvsProxyBackend(counted, new DummyInterfaceAddresses(runner), { gracePeriodMs: 0 }) : undefined;
  if (backend !== undefined) {
    started = performance.now();
    await backend.sync(base);
    await record(['full sync (IPVS + VIPs)', `${((performance.now() - started) / 1000).toFixed(2)} s`, String(requests)]);
    requests = 0;
    started = performance.now();
    await backend.sync(changed);
    await record(['one endpoint change', `${(performance.now() - started).toFixed(1)} ms`, String(requests)]);
  }
  const netfilter = new IpvsNetfilter(runner);
  started = performance.now();
  await netfilter.apply(changed, [], true);
  await record(['netfilter full (ipsets + rules)', `${((performance.now() - started) / 1000).toFixed(2)} s`, '-']);
  started = performance.now();
  await netfilter.apply(changedAgain, ['bench/svc-7:http/TCP', 'bench/svc-8:http/TCP'], false);
  await record(['netfilter two endpoint changes', `${(performance.now() - started).toFixed(1)} ms`, `${netfilter.lastPayloadLines} lines`]);
  backend?.close();
  await port.close();
}

async function host(): Promise<void> {
  const { runInKernelVm, defaultGuestEnvironment } = await import('../src/lab/index.js');
  const here = fileURLToPath(new URL('.', import.meta.url));
  const repo = join(here, '..');
  const script = `ip netns add bench && ip -n bench link set lo up && ip netns exec bench node --import tsx bench/ipvs-vm.ts --guest`;
  const result = await runInKernelVm({ command: ['sh', '-c', script], cwd: repo, timeoutMs: Number(process.env['IPVS_BENCH_TIMEOUT_MS'] ?? 900_000), onStdout: (chunk) => process.stdout.write(`  guest: ${chunk.toString()}`), memoryMiB: 2048, env: { ...defaultGuestEnvironment(), IPVS_BENCH_SERVICES: String(SERVICES), IPVS_BENCH_NETFILTER_ONLY: process.env['IPVS_BENCH_NETFILTER_ONLY'] ?? '0' } });
  if (result.exitCode !== 0) throw new Error(`guest failed (${result.exitCode}): ${result.stderr.slice(-2000)}`);
  const rows = JSON.parse(result.files['bench.json'] ?? '[]') as string[][];
  console.log(`IPVS in the kernel VM (emulated), ${SERVICES} services x ${ENDPOINTS} endpoints; boot ${result.bootSeconds.toFixed(1)} s`);
  console.log(['step'.padEnd(34), 'time'.padStart(10), 'IPVS requests'.padStart(14)].join(' '));
  for (const [step = '', time = '', count = ''] of rows) console.log([step.padEnd(34), time.padStart(10), count.padStart(14)].join(' '));
}

if (process.argv.includes('--guest')) await guest();
else await host();
