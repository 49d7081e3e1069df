/**
 * The nftables proxy at the scalability envelope: 10,000 ClusterIP service ports with 10
 * endpoints each (a synthetic plan of the shape the planner emits), full render time and size,
 * and the kernel load time of that payload in a fresh network namespace (root only).
 * Run: `npx tsx bench/nftables-proxy.ts`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { NetnsCommandRunner } from '../src/exec/netns-command-runner.js';
import { replaceProxyTable } from '../src/backends/nftables/proxy/proxy-table-render.js';
import { fragmentMapOf } from '../src/core/plan/fragment-map.js';
import type { ProxyPlan, ServicePortPlan } from '../src/core/plan/proxy-plan.js';
import { ExecCommandRunner } from '../src/exec/exec-command-runner.js';

function servicePort(index: number): ServicePortPlan {
  const vip = `172.${16 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}`;
  const clusterEndpoints = Array.from({ length: 10 }, (_, slot) => ({
    ip: `10.${(index >> 8) & 255}.${index & 255}.${slot + 2}`, family: 'IPv4' as const, port: 8080,
    local: false, ready: true, serving: true, terminating: false,
  }));
  return {
    key: `ns-${index % 500}/svc-${index}:http/TCP`, service: `ns-${index % 500}/svc-${index}`, portName: 'http', protocol: 'TCP',
    frontends: [{ kind: 'ClusterIP', ip: vip, family: 'IPv4', port: 80, trafficPolicy: 'Cluster', endpoints: 'cluster', sourceRanges: [], masquerade: 'outside-cluster-cidrs' }],
    clusterEndpoints, localEndpoints: [], hairpinMasquerade: true,
  };
}

const plan: ProxyPlan = {
  node: 'node-0',
  settings: { clusterCIDRs: ['10.0.0.0/8'], serviceCIDRs: ['172.16.0.0/12'], masqueradeAll: false, nodeAddresses: [{ ip: '192.168.50.11', family: 'IPv4' }],
    nodePortAddressFilter: [], nodePortAddresses: [{ ip: '192.168.50.11', family: 'IPv4' }], localhostNodePorts: false },
  servicePorts: fragmentMapOf(Array.from({ length: 10_000 }, (_, index) => servicePort(index)), (port) => port.key),
};

const started = performance.now();
const payload = replaceProxyTable(plan);
const renderMs = performance.now() - started;
console.log(`render: ${renderMs.toFixed(0)} ms, ${(payload.length / 1e6).toFixed(1)} MB, ${payload.split('\n').length} lines`);
if (process.getuid?.() === 0) {
  const exec = new ExecCommandRunner(300_000);
  const netns = `nftb-${randomBytes(3).toString('hex')}`;
  await exec.run('ip', ['netns', 'add', netns]);
  try {
    const loadStarted = performance.now();
    await new NetnsCommandRunner(exec, netns).run('nft', ['-f', '-'], { input: payload });
    console.log(`kernel load (fresh namespace): ${((performance.now() - loadStarted) / 1000).toFixed(2)} s`);
  } finally {
    await exec.run('ip', ['netns', 'del', netns]);
  }
} else {
  console.log('kernel load skipped: needs root');
}
