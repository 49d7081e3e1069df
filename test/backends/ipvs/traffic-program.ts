/**
 * Runs inside the kernel VM, in the node namespace the guest script built: plans the services
 * of traffic-cluster.yaml for node-a, programs them with the IPVS backend (generic netlink
 * port, ipsets and iptables), sends HTTP requests from a pod namespace and from the client
 * namespace, and writes what each request saw to $KUBE_ROUTER_VM_OUT/traffic.json. The test
 * compares those answers with the simulator's for the same manifests.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DummyInterfaceAddresses, GenericNetlinkIpvsPort, IpvsNetfilter, IpvsProxyBackend } from '../../../src/backends/ipvs/index.js';
import { planServices } from '../../../src/core/planner/index.js';
import { ExecCommandRunner } from '../../../src/exec/exec-command-runner.js';
import { loadCluster } from '../../../src/sources/load-cluster.js';
import { TRAFFIC_CASES, TRAFFIC_CLUSTER_CIDRS, TRAFFIC_MANIFEST } from './traffic-cases.js';

const out = process.env['KUBE_ROUTER_VM_OUT'] ?? '/tmp';
const runner = new ExecCommandRunner();
const { snapshot } = await loadCluster([TRAFFIC_MANIFEST]);
const plan = planServices(snapshot, 'node-a', { clusterCIDRs: TRAFFIC_CLUSTER_CIDRS });
const port = await GenericNetlinkIpvsPort.open();
const backend = new IpvsProxyBackend(port, new DummyInterfaceAddresses(runner), { netfilter: new IpvsNetfilter(runner), gracePeriodMs: 60_000 });
const report = await backend.sync(plan);
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
const { stdout: sets } = await runner.run('ipset', ['save']);
const cleanupDone = await backend.cleanup().then(() => true, (error: unknown) => String(error));
const { stdout: rulesAfter } = await runner.run('iptables-save', []);
backend.close();
await port.close();
await writeFile(join(out, 'traffic.json'), JSON.stringify({ report, results, rules, sets, cleanupDone, rulesAfter }));
