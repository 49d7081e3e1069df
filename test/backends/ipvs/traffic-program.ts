/**
 * Runs inside the kernel VM, in the node namespace the guest script built: plans the services
 * of traffic-cluster.yaml for node-a, programs them with the IPVS backend (generic netlink
 * port, ipsets and iptables), sends HTTP requests from a pod namespace and from the client
 * namespace, and writes what each request saw to $KUBE_ROUTER_VM_OUT/traffic.json. The test
 * compares those answers with the simulator's for the same manifests. Then the drain check
 * (see `DRAIN_CASE`): connections held by a python3 process in the pod client, one server
 * taken out of the plan, the backend's dumps until it is deleted.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DummyInterfaceAddresses, GenericNetlinkIpvsPort, IpvsNetfilter, IpvsProxyBackend } from '../../../src/backends/ipvs/index.js';
import { planServices } from '../../../src/core/planner/index.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { NetnsCommandRunner } from '../../../src/exec/netns-command-runner.js';
import { loadCluster } from '../../../src/sources/load-cluster.js';
import { SortedTable } from '../../../src/core/store/sorted-table.js';
import { DRAIN_CASE, DSR_CASE, POD_CLIENT, SERVER_PODS, TRAFFIC_CASES, TRAFFIC_CLUSTER_CIDRS, TRAFFIC_MANIFEST, TRAFFIC_SERVICE_CIDRS, UNALLOCATED_SERVICE_IP } from './traffic-cases.js';

const out = process.env['KUBE_ROUTER_VM_OUT'] ?? '/tmp';
const runner = new ExecCommandRunner();
const { snapshot } = await loadCluster([TRAFFIC_MANIFEST]);
const plan = planServices(snapshot, 'node-a', { clusterCIDRs: TRAFFIC_CLUSTER_CIDRS, serviceCIDRs: TRAFFIC_SERVICE_CIDRS, directServerReturn: true });
const port = await GenericNetlinkIpvsPort.open();
const skips: string[] = [];
const backend = new IpvsProxyBackend(port, new DummyInterfaceAddresses(runner), {
  netfilter: new IpvsNetfilter(runner),
  gracePeriodMs: DRAIN_CASE.gracePeriodMs,
  drainCheckIntervalMs: DRAIN_CASE.drainCheckIntervalMs,
  onSkip: (line) => skips.push(line),
  // The server pods' namespaces, by pod IP (what a CNI's pod store would answer).
  podNetwork: (endpoint) => {
    const pod = SERVER_PODS.find((one) => one.ip === endpoint.ip);
    return pod === undefined ? undefined : new NetnsCommandRunner(runner, `kripvs-${pod.name}`);
  },
});
// Before the proxy's rules: the node's default route leads where no one answers, so a
// connection to an unallocated service address times out (curl exit 28) until they refuse it.
const unallocatedBeforeSync = (await runner.run('ip', ['netns', 'exec', POD_CLIENT.namespace, 'curl', '-sS', '--max-time', '3', `http://${UNALLOCATED_SERVICE_IP}/`], { allowedExitCodes: [7, 28] })).exitCode;
const report = await backend.sync(plan);
// Counts (no target) what the node forwards from the DSR external IP: the pods' direct answers.
const replyCounter = ['FORWARD', '-i', 'br0', '-s', `${DSR_CASE.externalIP}/32`, '-p', 'tcp', '--sport', String(DSR_CASE.port), '-m', 'comment', '--comment', 'test: DSR replies'];
await runner.run('iptables', ['-w', '-I', ...replyCounter]);
const results: Record<string, { answers: string[]; errors: string[] }> = {};
for (const one of TRAFFIC_CASES) {
  const answers: string[] = [];
  const errors: string[] = [];
  for (let attempt = 0; attempt < one.connections; attempt += 1) {
    const url = `http://${one.to}:${one.port}/cgi-bin/who`;
    // curl exits 7 when the connection is refused, 28 on a timeout (a dropped packet).
    const { stdout, stderr, exitCode } = await runner.run('ip', ['netns', 'exec', one.fromNamespace, 'curl', '-sS', '--max-time', '3', url], { allowedExitCodes: [7, 28, 52, 56] });
    // busybox httpd listens on IPv6 and names IPv4 clients [::ffff:A.B.C.D].
    if (exitCode === 0) answers.push(stdout.trim().replace(/\[::ffff:([0-9.]+)\]/, '$1'));
    else errors.push(`exit ${exitCode}: ${stderr.trim()}`);
  }
  results[one.name] = { answers, errors };
}
const { stdout: rules } = await runner.run('iptables-save', []);
// With packet counters: which REJECT answered the unallocated address.
const { stdout: filterCounted } = await runner.run('iptables-save', ['-c', '-t', 'filter']);
const { stdout: sets } = await runner.run('ipset', ['save']);
const dsr = await dsrEvidence();
await runner.run('iptables', ['-w', '-D', ...replyCounter]);
const drain = await drainCase();
const cleanupDone = await backend.cleanup().then(() => true, (error: unknown) => String(error));
const { stdout: rulesAfter } = await runner.run('iptables-save', []);
const dsrAfter = {
  rules: (await runner.run('ip', ['rule', 'show'])).stdout,
  tunnels: await Promise.all(SERVER_PODS.map(async (pod) => (await runner.run('ip', ['netns', 'exec', `kripvs-${pod.name}`, 'ip', 'link', 'show', 'dev', 'kube-tunnel-if'], { allowedExitCodes: [1] })).exitCode)),
};
backend.close();
await port.close();
await writeFile(join(out, 'traffic.json'), JSON.stringify({ report, results, rules, filterCounted, unallocatedBeforeSync, sets, cleanupDone, rulesAfter, drain, skips, dsr, dsrAfter }));

/**
 * What DSR left in the kernel after the traffic: the ipvsadm listing, the mangle counters, the
 * policy rules, the backend's dump of the firewall-mark service, and each server pod's tunnel
 * (addresses, packets received) and reverse path filter settings.
 */
async function dsrEvidence(): Promise<Record<string, unknown>> {
  const ipvsadm = (await runner.run('ipvsadm', ['-Ln'])).stdout;
  const mangle = (await runner.run('iptables-save', ['-c', '-t', 'mangle'])).stdout;
  const forwardCounted = (await runner.run('iptables-save', ['-c', '-t', 'filter'])).stdout;
  const ipRules = (await runner.run('ip', ['rule', 'show'])).stdout;
  const table = (await runner.run('ip', ['route', 'show', 'table', '78'])).stdout;
  const marked = (await backend.kernelState()).filter((one) => one.service.fwmark !== undefined);
  const pods: Record<string, unknown> = {};
  for (const pod of SERVER_PODS) {
    const inPod = (args: string[]): Promise<string> => runner.run('ip', ['netns', 'exec', `kripvs-${pod.name}`, ...args]).then((result) => result.stdout);
    const address = JSON.parse(await inPod(['ip', '-j', '-4', 'address', 'show', 'dev', 'kube-tunnel-if'])) as { addr_info?: { local?: string; prefixlen?: number }[] }[];
    const link = JSON.parse(await inPod(['ip', '-j', '-s', 'link', 'show', 'dev', 'kube-tunnel-if'])) as { link_type?: string; stats64?: { rx?: { packets?: number } } }[];
    pods[pod.name] = {
      linkType: link[0]?.link_type,
      addresses: (address[0]?.addr_info ?? []).map((info) => `${info.local}/${info.prefixlen}`),
      rxPackets: link[0]?.stats64?.rx?.packets ?? 0,
      rpFilter: (await inPod(['sysctl', '-n', 'net.ipv4.conf.all.rp_filter', 'net.ipv4.conf.kube-tunnel-if.rp_filter'])).split('\n').filter((line) => line !== ''),
    };
  }
  return { externalIP: DSR_CASE.externalIP, ipvsadm, mangle, forwardCounted, ipRules, table, marked, pods };
}

/** The servers of the drained cluster IP's virtual service, as the backend's dump lists them. */
async function webServers(): Promise<{ address: string; weight: number; connections: number }[]> {
  const state = await backend.kernelState();
  const service = state.find((one) => one.service.address === DRAIN_CASE.clusterIP && one.service.port === DRAIN_CASE.port);
  return (service?.servers ?? []).map((one) => ({ address: one.address, weight: one.weight, connections: one.activeConnections + one.inactiveConnections })).sort((a, b) => a.address.localeCompare(b.address));
}

/** Holds a connection to each web server, drains pod-b, resets the connections, waits for the deletion. */
async function drainCase(): Promise<Record<string, unknown>> {
  // Two connections in a row go to both servers (rr); SO_LINGER 0 makes close() send a reset,
  // which IPVS expires in seconds (a normal close would sit in TIME_WAIT for two minutes).
  const script = [
    'import socket, struct, sys',
    `s = [socket.create_connection(("${DRAIN_CASE.clusterIP}", ${DRAIN_CASE.port}), timeout=5) for _ in range(2)]`,
    'print("open", flush=True)',
    'sys.stdin.readline()',
    'for one in s: one.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)); one.close()',
    'print("closed", flush=True)',
  ].join('\n');
  const holder = spawn('ip', ['netns', 'exec', POD_CLIENT.namespace, 'python3', '-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let said = '';
  holder.stdout.on('data', (chunk: Buffer) => {
    said += chunk.toString();
  });
  let stderr = '';
  holder.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  for (let waited = 0; !said.includes('open') && waited < 300 && holder.exitCode === null; waited += 1) await new Promise((resolve) => setTimeout(resolve, 100));
  const held = await webServers();
  const web = plan.servicePorts.get(DRAIN_CASE.serviceKey);
  if (web === undefined) throw new Error(`${DRAIN_CASE.serviceKey} is not planned`);
  const table = SortedTable.from(plan.servicePorts);
  table.set(DRAIN_CASE.serviceKey, {
    ...web,
    clusterEndpoints: web.clusterEndpoints.filter((one) => one.ip !== DRAIN_CASE.leaving),
    localEndpoints: web.localEndpoints.filter((one) => one.ip !== DRAIN_CASE.leaving),
  });
  const drainedAt = Date.now();
  await backend.sync({ ...plan, servicePorts: table.view() });
  const drained = await webServers();
  const nodePort = (await backend.kernelState()).find((one) => one.service.port === DRAIN_CASE.nodePort)?.servers.map((one) => one.address) ?? [];
  holder.stdin.end('\n');
  await once(holder, 'exit');
  const polls: { afterMs: number; servers: string[] }[] = [];
  for (let attempt = 0; attempt < 40; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const servers = await webServers();
    polls.push({ afterMs: Date.now() - drainedAt, servers: servers.map((one) => `${one.address} ${one.weight} ${one.connections}`) });
    if (!servers.some((one) => one.address === DRAIN_CASE.leaving)) break;
  }
  return { said, stderr, held, drained, nodePort, polls };
}
