/**
 * The lab's speed and memory: `Lab.up` and `down` for 3 nodes x 30 pods, a 9 x 9 pod matrix on
 * two ports and two protocols, and what the pod servers cost per pod (the one server process'
 * RSS at 30 and at 90 pods) against a Node process per pod. Needs root: without it, it says so
 * and exits 0. Every namespace is the lab's own; nothing touches the root namespace.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { ClusterStore } from '../src/core/store/index.js';
import type { ClusterSnapshot } from '../src/core/store/snapshot.js';
import { Lab } from '../src/lab/index.js';
import { median, mib, ms, printTable } from './measure.js';

const PORTS = [80, 8080].flatMap((port) => [
  { name: `tcp-${port}`, containerPort: port, protocol: 'TCP' },
  { name: `udp-${port}`, containerPort: port, protocol: 'UDP' },
]);

/** A cluster of `nodes` nodes on one /24 underlay with `podsPerNode` pods each. */
function labCluster(nodes: number, podsPerNode: number): ClusterSnapshot {
  const store = new ClusterStore();
  store.batch(() => {
    for (let n = 0; n < nodes; n++) {
      const cidr = `10.77.${n}.0/24`;
      store.upsert({
        kind: 'Node',
        metadata: { name: `bench-node-${n}` },
        spec: { podCIDR: cidr, podCIDRs: [cidr] },
        status: { addresses: [{ type: 'InternalIP', address: `192.168.77.${n + 10}` }] },
      });
      for (let p = 0; p < podsPerNode; p++) {
        const ip = `10.77.${n}.${p + 2}`;
        store.upsert({
          kind: 'Pod',
          metadata: { name: `pod-${n}-${p}`, namespace: 'default', labels: { app: 'bench' } },
          spec: { nodeName: `bench-node-${n}`, containers: [{ name: 'main', ports: PORTS }] },
          status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
        });
      }
    }
  });
  store.synced();
  return store.snapshot();
}

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return Number(kib ?? 0) * 1024;
}

/** The RSS of an idle plain Node process: what one server process per pod would cost at least. */
async function idleNodeRss(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const rss = await rssOf(child.pid as number);
  child.kill();
  await once(child, 'exit');
  return rss;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('lab-timing skipped: the lab needs root (network namespaces, veths, bridges)');
    return;
  }
  const small = labCluster(3, 10);
  const ups: number[] = [];
  const downs: number[] = [];
  const matrices: number[] = [];
  let rss30 = 0;
  for (let round = 0; round < 3; round++) {
    let started = performance.now();
    const lab = await Lab.up(small);
    ups.push(performance.now() - started);
    try {
      if (lab.podServers) rss30 = await rssOf(lab.podServers.pid);
      const nine = lab.topology.pods.filter((pod) => pod.index % 10 < 3).map((pod) => pod.key);
      const matrix = await lab.matrix(nine, [80, 8080], ['tcp', 'udp'], { timeoutMs: 1000 });
      matrices.push(matrix.elapsedMs);
    } finally {
      started = performance.now();
      await lab.down();
      downs.push(performance.now() - started);
    }
  }
  let started = performance.now();
  const big = await Lab.up(labCluster(3, 30));
  const up90 = performance.now() - started;
  let rss90 = 0;
  try {
    if (big.podServers) rss90 = await rssOf(big.podServers.pid);
  } finally {
    await big.down();
  }
  const perPod = (rss90 - rss30) / 60;
  const nodeProcess = await idleNodeRss();
  printTable('Lab on this kernel (median of 3 rounds; targets from the lab issue)', [
    ['up: 3 nodes, 30 pods, 4 sockets each (target < 5 s)', ms(median(ups))],
    ['down (target < 3 s)', ms(median(downs))],
    ['9 x 9 matrix, 2 ports x tcp/udp = 324 probes, 1 s timeout (target < 5 s)', ms(median(matrices))],
    ['up: 3 nodes, 90 pods', ms(up90)],
    ['pod server process RSS with 30 pods', mib(rss30)],
    ['pod server process RSS with 90 pods', mib(rss90)],
    ['marginal RSS per pod', mib(perPod)],
    ['idle Node process (a server per pod would cost at least this)', mib(nodeProcess)],
    ['one process per pod vs the shared server, at 90 pods', `${((nodeProcess * 90) / rss90).toFixed(0)}x more memory`],
  ]);
}

await main();
