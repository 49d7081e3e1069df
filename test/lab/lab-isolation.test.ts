import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'mocha';
import { Lab, removeLeftovers, DEFAULT_STATE_ROOT } from '../../src/lab/index.js';
import { ExecCommandRunner } from '../../src/exec/exec-command-runner.js';
import { clusterOf, fakeSnapshot, makeNode, makePod } from './fake-snapshot.js';
import { labNamespacesOnMachine, rootNetworkState, skipUnlessRoot } from './root-helpers.js';

const CHILD = new URL('../fixtures/lab/child-lab.ts', import.meta.url).pathname;

/** Starts a child process that brings a lab up and prints its run id when ready. */
async function startChildLab(): Promise<{ child: ReturnType<typeof spawn>; runId: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  while (!output.includes('\n')) {
    await Promise.race([once(child.stdout!, 'data'), once(child, 'exit').then(() => { throw new Error('child lab exited'); })]);
  }
  return { child, runId: output.trim() };
}

describe('lab isolation and lifecycle (root)', function () {
  before(function () {
    skipUnlessRoot(this);
  });

  it('leaves the root namespace exactly as it found it, and no lab namespace behind', async () => {
    const before = await rootNetworkState();
    const lab = await Lab.up(fakeSnapshot(
      [makeNode('a', ['192.168.10.11'], ['10.244.1.0/24']), makeNode('b', ['192.168.20.11'], ['10.244.2.0/24'])],
      [makePod('default/x', 'a', ['10.244.1.10']), makePod('default/y', 'b', ['10.244.2.10'])],
    ));
    try {
      const during = await rootNetworkState();
      assert.deepEqual(during, before, 'the root namespace changed while the lab was up');
      await lab.matrix();
      await lab.probe({ from: 'client', to: 'node:b', port: 80, protocol: 'tcp' });
    } finally {
      await lab.down();
    }
    assert.deepEqual(await rootNetworkState(), before);
    // Other processes may run labs meanwhile (their namespaces come and go): look at this run's.
    assert.deepEqual((await labNamespacesOnMachine()).filter((name) => name.startsWith(`krlab-${lab.runId}-`)), []);
  });

  it('brings 3 nodes and 30 pods up and down, and runs a 9 x 9 matrix on two ports and protocols', async () => {
    const ports = [80, 8080].flatMap((port) => [
      { containerPort: port, protocol: 'TCP' as const }, { containerPort: port, protocol: 'UDP' as const }]);
    // Timings are measured in bench/lab-timing.ts, not asserted here.
    const lab = await Lab.up(clusterOf(3, 10, ports));
    try {
      assert.equal(lab.topology.pods.length, 30);
      assert.equal(lab.podServers?.listening, 120);
      const nine = lab.topology.pods.filter((pod) => pod.index % 10 < 3).map((pod) => pod.key);
      const matrix = await lab.matrix(nine, [80, 8080], ['tcp', 'udp'], { timeoutMs: 1000 });
      assert.equal(matrix.results.length, 9 * 9 * 2 * 2);
      // Without routes only pods on the same node reach each other: 3 nodes x 3 x 3 pairs.
      assert.equal(matrix.results.filter((result) => result.connected).length, 27 * 4);
    } finally {
      await lab.down();
    }
  });

  it('removes what a killed run left behind, and only that', async () => {
    const { child, runId } = await startChildLab();
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.ok((await labNamespacesOnMachine()).some((name) => name.startsWith(`krlab-${runId}-`)));
    const removed = await removeLeftovers(new ExecCommandRunner(), DEFAULT_STATE_ROOT);
    assert.ok(removed.includes(runId));
    assert.deepEqual((await labNamespacesOnMachine()).filter((name) => name.startsWith(`krlab-${runId}-`)), []);
  });

  it('tears down on SIGINT', async () => {
    const { child, runId } = await startChildLab();
    child.kill('SIGINT');
    const [code] = await once(child, 'exit') as [number | null];
    assert.equal(code, 130);
    assert.deepEqual((await labNamespacesOnMachine()).filter((name) => name.startsWith(`krlab-${runId}-`)), []);
  });
});
