import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import type { Context } from 'mocha';
import { withKernelBackends, type FirewallBackendName, type ProxyBackendName } from '../../src/agent/kernel-backends.js';
import type { BackendFactories } from '../../src/agent/compose.js';
import { ConfigError } from '../../src/core/errors.js';
import { planFirewall } from '../../src/core/planner/index.js';
import { reachabilityMatrix } from '../../src/core/simulator/index.js';
import type { ClusterSnapshot } from '../../src/core/store/snapshot.js';
import { RecordingCommandRunner } from '../../src/exec/recording-command-runner.js';
import { dataplaneMatrix, type DataplaneMatrix, type Lab, type LabProtocol } from '../../src/lab/index.js';
import { loadCluster } from '../../src/sources/load-cluster.js';

/** This repository's CLI under tsx, as the lab's agents run it. */
export const CLI = [process.execPath, '--import', 'tsx', resolve('src/cli/main.ts')];

/**
 * Skips the suite with a printed reason when the agent cannot run `backend` yet (its
 * `withKernelBackends` case still says "not implemented yet").
 */
export async function skipUnlessBackend(context: Context, concern: 'firewall' | 'proxy', backend: string): Promise<void> {
  try {
    const choice = concern === 'firewall' ? { firewall: backend as FirewallBackendName } : { proxy: backend as ProxyBackendName };
    await withKernelBackends({} as BackendFactories, choice, new RecordingCommandRunner());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.log(`    skipped: the agent's ${concern} backend ${backend} is not there yet (${error.message})`);
    context.skip();
  }
}

/** The simulator's `--matrix` answer for `snapshot` (what `kube-router simulate --matrix --output json` prints). */
export function simulatorMatrices(snapshot: ClusterSnapshot, pods: readonly string[], ports: readonly number[], protocols: readonly LabProtocol[]): DataplaneMatrix[] {
  const nodes = [...new Set(snapshot.pods().map((pod) => pod.nodeName).filter((node): node is string => node !== undefined))].sort();
  const plans = nodes.map((node) => planFirewall(snapshot, node));
  return ports.flatMap((port) => protocols.map((protocol): DataplaneMatrix => {
    const { matrix } = reachabilityMatrix(plans, pods, port, protocol === 'tcp' ? 'TCP' : 'UDP');
    return { port, protocol: protocol === 'tcp' ? 'TCP' : 'UDP', matrix: JSON.parse(JSON.stringify(matrix)) as DataplaneMatrix['matrix'] };
  }));
}

/** The cells where two answers differ, as `PROTO/port from -> to: lab X, simulator Y`. */
export function matrixDifferences(lab: readonly DataplaneMatrix[], simulator: readonly DataplaneMatrix[]): string[] {
  const lines: string[] = [];
  for (const expected of simulator) {
    const found = lab.find((candidate) => candidate.port === expected.port && candidate.protocol === expected.protocol);
    for (const [from, row] of Object.entries(expected.matrix)) {
      for (const [to, allowed] of Object.entries(row)) {
        const got = found?.matrix[from]?.[to];
        if (got !== allowed) lines.push(`${expected.protocol}/${expected.port} ${from} -> ${to}: lab ${String(got)}, simulator ${String(allowed)}`);
      }
    }
  }
  return lines;
}

/** Loads `files` as one cluster. */
export async function snapshotOf(files: readonly string[]): Promise<ClusterSnapshot> {
  const { snapshot } = await loadCluster(files);
  return snapshot;
}

/**
 * Applies `files` to the running lab, then probes until the lab's matrix equals the
 * simulator's or `settleMs` has passed (the agents sync within about a second of the change),
 * and returns the last differences (empty when equal).
 */
export async function applyAndCompare(
  lab: Lab,
  files: readonly string[],
  pods: readonly string[],
  ports: readonly number[],
  protocols: readonly LabProtocol[],
  settleMs = 6000,
): Promise<{ differences: string[]; lab: DataplaneMatrix[]; simulator: DataplaneMatrix[] }> {
  const snapshot = await snapshotOf(files);
  await lab.apply(snapshot, files);
  const simulator = simulatorMatrices(snapshot, pods, ports, protocols);
  const deadline = Date.now() + settleMs;
  for (;;) {
    const found = await dataplaneMatrix(lab, pods, ports, protocols);
    const differences = matrixDifferences(found, simulator);
    if (differences.length === 0 || Date.now() > deadline) return { differences, lab: found, simulator };
    await new Promise((done) => setTimeout(done, 300));
  }
}

/** Fails with every differing cell. */
export function assertSameMatrices(differences: readonly string[], what: string): void {
  assert.deepEqual(differences, [], `${what}: the lab and the simulator differ in ${differences.length} cells:\n${differences.join('\n')}`);
}
